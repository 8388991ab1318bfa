/**
 * A local-mode port that cannot be bound becomes one line that names the variable to change, instead of a raw
 * `EADDRINUSE` stack: a newcomer with something already on 8080 learns to run `PORT=8081 npm start`.
 */
export class LocalPortError extends Error {
  constructor(
    readonly variable: 'PORT' | 'LOCAL_STS_PORT' | 'LOCAL_OSS_PORT' | 'LOCAL_ADMIN_PORT' | 'LOCAL_KMS_PORT',
    readonly port: number,
    code: string,
  ) {
    const what = code === 'EADDRINUSE' ? 'is already in use' : `cannot be opened (${code})`;
    super(`local mode: port ${port} on 127.0.0.1 ${what}; set ${variable} to a free port, e.g. ${variable}=${port + 1} npm start`);
    this.name = 'LocalPortError';
  }
}

/** Runs one server's start-up; a port that is taken or not allowed is reported as a LocalPortError. */
export async function bindingPort<T>(variable: LocalPortError['variable'], port: number, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    if (code === 'EADDRINUSE' || code === 'EACCES') throw new LocalPortError(variable, port, code);
    throw error;
  }
}
