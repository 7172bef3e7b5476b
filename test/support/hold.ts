import { onTestFinished } from "vitest";

/** Calls held at one point of a request, so a test can run another request exactly there. */
export interface Held<Args extends unknown[]> {
  /** Resolves, with their arguments, once every held call has reached the hold. */
  readonly reached: Promise<Args[]>;
  /** Lets the held calls go on, as they would have without the hold. */
  release(): void;
}

type AsyncMethod = (...args: never[]) => Promise<unknown>;

/**
 * Holds the next `calls` calls of `target[method]` (an object of the running services, say
 * `services().users`) until `release()`: `before` the call runs (nothing it would write has been
 * written yet), or `after` it has run and before its caller sees the result (what it wrote is
 * there, what the caller would do next is not). Later calls go straight through. The method is
 * restored, and anything still held let go, when the test finishes.
 */
export function holdCalls<K extends string, T extends { [P in K]: AsyncMethod }>(
  target: T,
  method: K,
  options: { calls?: number; at?: "before" | "after" } = {},
): Held<Parameters<T[K]>> {
  const { calls = 1, at = "before" } = options;
  const original = target[method];
  const own = Object.getOwnPropertyDescriptor(target, method);
  const arrived: Parameters<T[K]>[] = [];
  let entered = 0;
  let allArrived: (args: Parameters<T[K]>[]) => void = () => undefined;
  const reached = new Promise<Parameters<T[K]>[]>((resolve) => (allArrived = resolve));
  let open: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (open = resolve));
  async function held(this: T, ...args: Parameters<T[K]>): Promise<unknown> {
    if (entered >= calls) return Reflect.apply(original, this, args);
    entered += 1;
    const arrive = () => {
      arrived.push(args);
      if (arrived.length === calls) allArrived([...arrived]);
    };
    if (at === "before") {
      arrive();
      await gate;
      return Reflect.apply(original, this, args);
    }
    const result = await Reflect.apply(original, this, args);
    arrive();
    await gate;
    return result;
  }
  Object.defineProperty(target, method, { value: held, configurable: true, writable: true });
  onTestFinished(() => {
    open();
    if (own === undefined) Reflect.deleteProperty(target, method);
    else Object.defineProperty(target, method, own);
  });
  return { reached, release: () => open() };
}
