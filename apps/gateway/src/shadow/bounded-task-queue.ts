/**
 * Runs tasks a few at a time from a queue of bounded length. A task offered to a full queue is refused
 * at once (the caller counts it), never waited for. Tasks start from setImmediate, so one offered while
 * a request is being answered starts only after that answer has been handed to the socket. A task's
 * failure is its own business: it must catch what it throws.
 */
export class BoundedTaskQueue {
  private readonly waiting: Array<() => Promise<void>> = [];
  private running = 0;
  private closed = false;

  constructor(
    readonly capacity: number,
    readonly concurrency: number,
  ) {}

  /** Queues the task; false when the queue is full or closed. */
  offer(task: () => Promise<void>): boolean {
    if (this.closed || this.waiting.length >= this.capacity) return false;
    this.waiting.push(task);
    if (this.running < this.concurrency) {
      this.running += 1;
      setImmediate(() => void this.drain());
    }
    return true;
  }

  /** Tasks waiting, not counting those running. */
  get length(): number {
    return this.waiting.length;
  }

  get active(): number {
    return this.running;
  }

  /** Refuses new tasks and forgets the waiting ones; returns how many were forgotten. */
  close(): number {
    this.closed = true;
    return this.waiting.splice(0).length;
  }

  /** One runner: takes tasks until the queue is empty, then lets its slot go. */
  private async drain(): Promise<void> {
    try {
      for (let task = this.waiting.shift(); task; task = this.waiting.shift()) {
        await task().catch(() => undefined);
      }
    } finally {
      this.running -= 1;
    }
  }
}
