// Work that must wait until an invocation has its response, and must not delay it. Only netlify
// dev's one-invocation worker threads queue any (lib/runtime/mongo.ts closes its client there), so
// on a warm production instance the queue stays empty and costs one length check per request.

const queue: Array<() => Promise<void>> = [];

/** Runs `task` once the current invocation's response is ready, without making the response wait for it. */
export function afterResponse(task: () => Promise<void>): void {
  queue.push(task);
}

/** Starts every queued task (methods() calls this when a handler has returned or thrown); a failure is logged, never thrown. */
export function runAfterResponse(): void {
  if (queue.length === 0) return;
  for (const task of queue.splice(0)) {
    task().catch((error: unknown) => console.error("galleta: after the response:", error));
  }
}
