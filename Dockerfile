# Production image: the compiled broker (dist/), its production dependencies and openapi.yaml, on Node 24 LTS
# (Node 20 reached end of life in April 2026), as a non-root user. Nothing from dev/, test/ or bench/ is copied, and
# .dockerignore keeps them out of the build context as well (test/architecture/dockerfile.test.ts checks both).
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# tsconfig.build.json compiles src/ only, without its *.test.ts files.
RUN npm run build

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
# A bounded heap keeps RSS near 200 MB at 10,000 active principals (`npm run bench -- --soak`: ~5 KB of live heap
# each); small semi-spaces keep the young generation from growing to V8's default: 32 MB ones promoted as much under
# load and cost ~50 MB more heap (docs/deployment.md, "Heap flags"). The old space holds the default
# cache.l1MaxEntries (20,000) with room to spare; raise it with that setting.
ENV NODE_OPTIONS="--max-old-space-size=160 --max-semi-space-size=8"
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY openapi.yaml ./openapi.yaml
USER node
# PORT overrides `server.port` from the configuration file, so the port the broker listens on, EXPOSE and the
# HEALTHCHECK below always agree; change it with `-e PORT=...`.
ENV PORT=8080
EXPOSE 8080
# BROKER_CONFIG must point at a mounted configuration file; without a readable one the broker stops with one line.
ENV BROKER_CONFIG=/etc/oss-sts-broker/config.yaml
# Liveness through Node's own fetch: the slim image has no curl or wget. /healthz says the process serves HTTP;
# readiness (Redis and configuration, /readyz) is for the orchestrator's readiness probe, not for restarts.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# V8 moves an allocation site whose objects survived (requests waiting on STS at start-up) to the old generation for
# good; each such object then keeps a request's young objects alive until a full collection, which under load made
# mark-compacts the slowest answers' cause (docs/deployment.md, "Heap flags"). NODE_OPTIONS does not accept the flag.
CMD ["node", "--no-allocation-site-pretenuring", "dist/main.js"]
