/**
 * A job the worker runs every `intervalMs` (sweeps, retention, guardrails). A run slower than the
 * interval is not overlapped by the next one, a failed run is handed to `onError` and tried again at
 * the next tick, and `stop` waits for a run in progress so shutdown never cuts one off.
 */
export class PeriodicTask {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly intervalMs: number,
    private readonly run: () => Promise<void>,
    private readonly onError: (error: unknown) => void,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.running ??= this.run()
        .catch(this.onError)
        .finally(() => (this.running = undefined));
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
