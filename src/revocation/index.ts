/**
 * revocation/: cutting a principal off on every replica within a second (revocations.ts), where revocations and
 * the per-principal record of handed-out AccessKeyIds live (Redis: redis-backend.ts; memory: memory-backend.ts), and
 * what a revocation names (types.ts).
 */
export { createRevocations, type HandOut, type Revocations, type RevocationsOptions } from './revocations.js';
export type { RevocationBackend } from './backend.js';
export { createRedisRevocationBackend } from './redis-backend.js';
export { createMemoryRevocationBackend } from './memory-backend.js';
export {
  principalIdentity,
  revocationRequestSchema,
  revocationTargetSchema,
  targetIdentity,
  type HandedOutToken,
  type Revocation,
  type RevocationRequest,
  type RevocationTarget,
} from './types.js';
