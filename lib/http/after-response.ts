// Work that must wait until an invocation has its response, and must not delay it: a failed
// log-in's count in the activity log (so that an answer's timing does not tell an account from a
// made-up name), and under netlify dev's one-invocation worker threads the client's close
// (lib/runtime/mongo.ts), which must come after everything else. On a warm production instance an
// empty queue costs one length check per request.

interface Task {
  run: () => Promise<void>;
  last: boolean;
}

const queue: Task[] = [];

/**
 * Runs `task` once the current invocation's response is ready, without making the response wait for
 * it. `last`: after every other task has settled (closing the database they use).
 */
export function afterResponse(task: () => Promise<void>, options: { last?: boolean } = {}): void {
  queue.push({ run: task, last: options.last === true });
}

/**
 * Starts every queued task (methods() calls this when a handler has returned or thrown); a failure is
 * logged, never thrown. `waitUntil` (Netlify's `context.waitUntil`) keeps the invocation alive until
 * they have settled: a frozen instance would otherwise hold them until its next request.
 */
export function runAfterResponse(waitUntil?: (promise: Promise<unknown>) => void): void {
  if (queue.length === 0) return;
  const tasks = queue.splice(0);
  const settle = (only: boolean) =>
    Promise.all(tasks.filter(({ last }) => last === only).map(({ run }) => run().catch((error: unknown) => console.error("galleta: after the response:", error))));
  const done = settle(false).then(() => settle(true));
  waitUntil?.(done);
}
