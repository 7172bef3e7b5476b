/**
 * Calls `probe` every 250 ms until `done` accepts its value or `ms` have passed, and resolves to
 * the last value either way, for the caller to assert on.
 */
export async function until<T>(probe: () => T | Promise<T>, done: (value: T) => boolean, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
