/**
 * A bound on something that must finish, not a measure of its speed: `promise`'s outcome, or a rejection naming
 * `what` once `ms` have passed. Pick `ms` far above the expected time (the machines are shared and noisy) and below
 * the test's own timeout, so a hang fails with its cause named rather than as a bare test timeout.
 */
export async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not finished within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `check` every 10 ms until it holds; rejects naming `what` after `ms` (and stops polling). */
export async function until(ms: number, what: string, check: () => boolean): Promise<void> {
  let stopped = false;
  const poll = async () => {
    while (!stopped && !check()) await new Promise((resolve) => setTimeout(resolve, 10));
  };
  try {
    await within(ms, what, poll());
  } finally {
    stopped = true;
  }
}
