/** Injected faults surface as the SDK errors https://github.com/aliyun/darabonba-openapi and https://www.alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-assumerole (error codes) describe. */
import { ClientError, ServerError, ThrottlingError } from '@alicloud/openapi-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { THROTTLING_MESSAGE, type StsEmulator } from '../../../../dev/emulator/sts/index.js';
import {
  assumeRoleRequest,
  buildRpcRequest,
  generateKeys,
  sdkClient,
  sendRaw,
  startTestEmulator,
  thrown,
  type StsClient,
  type TestKeys,
} from './helpers.js';
import { until, within } from '../../../../dev/testing/deadline.js';

describe('fault injection', () => {
  let keys: TestKeys;
  let emulator: StsEmulator;
  let client: StsClient;

  beforeAll(async () => {
    keys = generateKeys();
    emulator = await startTestEmulator(keys);
    client = sdkClient(emulator, keys);
  });
  afterAll(() => emulator.close());

  it.each([
    [400, 'InvalidParameter', ClientError],
    [403, 'NoPermission', ClientError],
    [404, 'EntityNotExist.Role', ClientError],
    [500, 'InternalError', ServerError],
    [503, 'ServiceUnavailable', ServerError],
  ] as const)('error %i %s → %o', async (status, code, errorClass) => {
    emulator.faults.push({ kind: 'error', status, code, message: 'injected' });
    const err = await thrown(() => client.assumeRole(assumeRoleRequest({})));
    expect(err).toBeInstanceOf(errorClass);
    expect(err.statusCode).toBe(status);
    expect(err.code).toBe(code);
    expect((err.data as Record<string, string>).Message).toBe('injected');
  });

  it('throttle → ThrottlingError with retryAfter from x-acs-retry-after', async () => {
    emulator.faults.push({ kind: 'throttle' }, { kind: 'throttle', retryAfterMs: 2500, status: 503 });
    const first = await thrown(() => client.assumeRole(assumeRoleRequest({})));
    expect(first).toBeInstanceOf(ThrottlingError);
    expect(first).not.toBeInstanceOf(ClientError);
    expect(first.code).toBe('Throttling.User');
    expect(first.retryAfter).toBe(1000);
    expect((first.data as Record<string, string>).Message).toBe(THROTTLING_MESSAGE);
    const second = await thrown(() => client.assumeRole(assumeRoleRequest({})));
    expect(second).toBeInstanceOf(ThrottlingError);
    expect([second.statusCode, second.retryAfter]).toEqual([503, 2500]);
  });

  it('html → a bare SyntaxError from the SDK', async () => {
    emulator.faults.push({ kind: 'html', status: 502 });
    const err = await thrown(() => client.assumeRole(assumeRoleRequest({})));
    expect(err).toBeInstanceOf(SyntaxError);
  });

  it('hang → RequestTimeoutError with a short readTimeout', async () => {
    emulator.faults.push({ kind: 'hang' });
    const err = await thrown(() => sdkClient(emulator, keys, { readTimeout: 200 }).assumeRole(assumeRoleRequest({})));
    expect(err.name).toBe('RequestTimeoutError');
    expect(err.message).toMatch(/ReadTimeout\(200\)/);
  });

  it('reset → ECONNRESET', async () => {
    emulator.faults.push({ kind: 'reset' });
    const err = await thrown(() => client.assumeRole(assumeRoleRequest({})));
    expect(err.code).toBe('ECONNRESET');
  });

  it('applies faults in order, one per AssumeRole request, and only to AssumeRole', async () => {
    emulator.faults.push(
      { kind: 'error', status: 500, code: 'InternalError', message: 'first' },
      { kind: 'error', status: 400, code: 'Second', message: 'second' },
    );
    // A request for another action does not consume a fault.
    const other = await sendRaw(buildRpcRequest(emulator, { Action: 'AssumeRoleWithSAML' }, keys));
    expect(other.json.Code).toBe('InvalidApi.NotFound');
    expect(emulator.faults.size).toBe(2);
    expect((await thrown(() => client.assumeRole(assumeRoleRequest({})))).code).toBe('InternalError');
    expect((await thrown(() => client.assumeRole(assumeRoleRequest({})))).code).toBe('Second');
    expect((await client.assumeRole(assumeRoleRequest({}))).statusCode).toBe(200);
  });

  it('applies a fault even to a request that would fail authentication', async () => {
    emulator.faults.push({ kind: 'throttle' });
    const bad = sdkClient(emulator, { accessKeyId: 'LTAInobody', accessKeySecret: 'x' });
    expect((await thrown(() => bad.assumeRole(assumeRoleRequest({})))).code).toBe('Throttling.User');
  });

  it('counts faulted requests in stats', async () => {
    const calls = emulator.stats.assumeRoleCalls;
    const byCode = { ...emulator.stats.byCode };
    emulator.faults.push({ kind: 'reset' }, { kind: 'html' }, { kind: 'throttle' });
    await thrown(() => client.assumeRole(assumeRoleRequest({})));
    await thrown(() => client.assumeRole(assumeRoleRequest({})));
    await thrown(() => client.assumeRole(assumeRoleRequest({})));
    expect(emulator.stats.assumeRoleCalls).toBe(calls + 3);
    expect(emulator.stats.byCode['Fault.reset']).toBe((byCode['Fault.reset'] ?? 0) + 1);
    expect(emulator.stats.byCode['Fault.html']).toBe((byCode['Fault.html'] ?? 0) + 1);
    expect(emulator.stats.byCode['Throttling.User']).toBe((byCode['Throttling.User'] ?? 0) + 1);
  });

  it('clear() drops pending faults', async () => {
    emulator.faults.push({ kind: 'reset' });
    emulator.faults.clear();
    expect((await client.assumeRole(assumeRoleRequest({}))).statusCode).toBe(200);
  });
});

// close() must end requests the emulator is holding: a test that stopped it mid-request would otherwise wait for the
// client's own timeout. Both requests below would be held for ten minutes; each must end within 10 s of close().
describe('close()', { timeout: 30_000 }, () => {
  const HELD_MS = 600_000;

  it('ends a hanging request instead of waiting for it', async () => {
    const keys = generateKeys();
    const emulator = await startTestEmulator(keys);
    emulator.faults.push({ kind: 'hang' });
    const pending = thrown(() => sdkClient(emulator, keys, { readTimeout: HELD_MS }).assumeRole(assumeRoleRequest({})));
    // The fault is consumed when the request arrives.
    await until(10_000, 'the emulator taking the request', () => emulator.faults.size === 0);
    await within(10_000, 'close() with a hanging request', emulator.close());
    const err = await within(10_000, 'the hanging request after close()', pending);
    expect(err.name).not.toBe('RequestTimeoutError');
  });

  it('ends a request waiting on latency', async () => {
    const keys = generateKeys();
    const emulator = await startTestEmulator(keys, { latencyMs: HELD_MS });
    const pending = thrown(() => sdkClient(emulator, keys, { readTimeout: HELD_MS }).assumeRole(assumeRoleRequest({})));
    await until(10_000, 'the emulator taking the request', () => emulator.stats.assumeRoleCalls > 0);
    await within(10_000, 'close() with a delayed request', emulator.close());
    const err = await within(10_000, 'the delayed request after close()', pending);
    expect(err.name).not.toBe('RequestTimeoutError');
  });
});
