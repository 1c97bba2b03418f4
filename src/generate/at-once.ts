/** A few asynchronous tasks at a time, stopping cleanly at the first failure. */

export interface Failure<T> {
  error: unknown;
  item?: T;
}

/**
 * Runs `task` on every item, `width` at a time. After the first failure no
 * new task starts, and every started one settles before this rejects (with
 * that failure and its item): nothing is still being written while a run is undone.
 */
export async function eachAtOnce<T>(items: readonly T[], width: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: Failure<T> | undefined;
  const lane = async () => {
    while (!failure && next < items.length) {
      const item = items[next++]!;
      await task(item).catch((error: unknown) => {
        failure ??= { error, item };
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, lane));
  if (failure) throw failure;
}
