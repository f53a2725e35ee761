// A problem that stops `check` before any entry is judged (a CRD that does not load, a cluster
// that cannot be reached): one message on stderr and exit code 2, never a stack trace.
export class CheckSetupError extends Error {
  override readonly name = 'CheckSetupError';
}

/** Run a set-up step, turning any failure into a CheckSetupError with `what` as context. */
export async function setupStep<T>(what: string, step: () => Promise<T> | T): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (err instanceof CheckSetupError) throw err;
    const detail = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new CheckSetupError(`${what}: ${detail}`);
  }
}
