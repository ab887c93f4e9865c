/**
 * A bounded pool of async tasks: at most `limit` run at once, the first failure is kept and
 * re-thrown by the next {@link TaskPool.check} or {@link TaskPool.drain}, and an abort signal stops
 * scheduling. Used where an operation overlaps file reads, hashing and thread-pool compression.
 *
 * @module
 */

/** Bounded concurrency with deferred error reporting. */
export class TaskPool {
  private running = 0;
  private readonly waiters: Array<() => void> = [];
  private readonly pending = new Set<Promise<void>>();
  private firstError: unknown = null;

  /**
   * @param limit - tasks allowed to run at once
   * @param signal - aborting it makes {@link TaskPool.check} throw `signal.reason`
   */
  constructor(
    private readonly limit: number,
    private readonly signal?: AbortSignal,
  ) {}

  /** Throw the abort reason or the first task failure, if any. */
  check(): void {
    this.signal?.throwIfAborted();
    if (this.firstError) throw this.firstError;
  }

  /** Start `task` once a slot is free (waits for one); its failure surfaces at the next check/drain. */
  async schedule(task: () => Promise<void>): Promise<void> {
    while (this.running >= this.limit) await new Promise<void>((r) => this.waiters.push(r));
    this.check();
    this.running++;
    const p: Promise<void> = task()
      .catch((e) => {
        this.firstError ??= e;
      })
      .finally(() => {
        this.running--;
        this.pending.delete(p);
        this.waiters.shift()?.();
      });
    this.pending.add(p);
  }

  /** Wait for every scheduled task, then {@link TaskPool.check}. */
  async drain(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
    this.check();
  }
}
