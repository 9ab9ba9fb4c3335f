import type { ModelSignature } from '../../../../libs/onnx/src';
import type { VersionRunner } from './version-runner';

/**
 * One version in memory. Requests lease it; once it is retired (no deployment uses it any more) the
 * runner (and its native session) is released when the last request in flight returns, never under one.
 */
export class LoadedVersion {
  private inFlight = 0;
  private retired = false;
  private released = false;

  constructor(
    readonly model: string,
    readonly version: number,
    readonly sha256: string,
    readonly runner: VersionRunner,
    readonly signature: ModelSignature,
  ) {}

  get isReleased(): boolean {
    return this.released;
  }

  lease(): () => void {
    if (this.released) throw new Error(`version ${this.model}/${this.version} was released`);
    this.inFlight += 1;
    let returned = false;
    return () => {
      if (returned) return;
      returned = true;
      this.inFlight -= 1;
      if (this.retired && this.inFlight === 0) this.release();
    };
  }

  retire(): void {
    this.retired = true;
    if (this.inFlight === 0) this.release();
  }

  private release(): void {
    if (this.released) return;
    this.released = true;
    void this.runner.release().catch(() => undefined);
  }
}
