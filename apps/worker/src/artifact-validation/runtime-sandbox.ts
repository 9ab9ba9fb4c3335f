import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type * as ort from 'onnxruntime-node';
import { type ChildProcess, type Serializable, spawn } from 'node:child_process';
import { type ModelSignature, signatureOfMetadata } from '@switchyard/onnx';
import { TypedConfig } from '@switchyard/config';
import { programPath } from '@switchyard/programs';
import type { ChildMessage, RunRequest } from './sandbox-protocol';
import { ValidationLimitError } from './validation-limit-error';

/** How a sandboxed model's first message ended: loaded (with what it reads and returns), or not. */
export type SandboxLoad = { ok: true; model: SandboxedModel } | { ok: false; error: unknown };

/**
 * One run of a sandboxed model. `fatal` means the sandbox itself ended (a limit, a crash): nothing
 * more can run, and the model is certainly not servable as it is. Otherwise only these inputs failed.
 */
export type SandboxRun = { ok: true; inferenceMs: number } | { ok: false; error: unknown; fatal: boolean };

/** How a child's runtime error is told apart from the model needing more memory than it may have. */
const OUT_OF_MEMORY = /bad_alloc|failed to allocate|out of memory|allocation failed/i;

/**
 * Loads an uploaded model and runs it on the inputs it is given in a child process with limits, so a
 * model built to exhaust memory or never finish (a Loop with a huge trip count, a ConstantOfShape of
 * billions of elements) fails its own version with a reason instead of taking the worker down or holding it.
 *
 * Memory: the child starts under `ulimit -d` (RLIMIT_DATA, which Linux applies to the heap and every
 * private writable mapping, so onnxruntime's native allocations count, not only V8's heap): an
 * allocation past it fails inside the runtime. Time: the child is killed when the deadline passes; the
 * deadline covers the load and every run. The child gets no environment beyond PATH, so untrusted
 * model code never sees the worker's secrets.
 */
@Injectable()
export class RuntimeSandbox implements OnApplicationShutdown {
  private readonly running = new Set<ChildProcess>();

  constructor(private readonly config: TypedConfig) {}

  get limits(): { timeoutMs: number; memoryMb: number } {
    return { timeoutMs: this.config.get('VALIDATION_TIMEOUT_MS'), memoryMb: this.config.get('VALIDATION_MEMORY_LIMIT_MB') };
  }

  /** Loads the model in a new child; the caller runs it, then closes it. */
  async open(bytes: Buffer): Promise<SandboxLoad> {
    const { timeoutMs, memoryMb } = this.limits;
    // The program compiled from sandbox-child.ts (programPath says how tests running from source find it).
    const childPath = programPath(__filename, 'sandbox-child');
    const child = spawn(
      '/bin/sh',
      ['-c', 'ulimit -d "$1" && shift && exec "$@"', 'sh', String(memoryMb * 1024), process.execPath, childPath, String(bytes.length)],
      { stdio: ['pipe', 'ignore', 'pipe', 'ipc'], serialization: 'advanced', env: { PATH: process.env.PATH ?? '' } },
    );
    this.running.add(child);
    child.on('exit', () => this.running.delete(child));
    // A child that dies before reading all its input closes the pipe: the exit handler reports it.
    child.stdin!.on('error', () => undefined);
    child.stdin!.end(bytes);

    const channel = new SandboxChannel(child, timeoutMs, memoryMb);
    const first = await channel.next('loading the model');
    if (first.kind === 'loaded') {
      try {
        return { ok: true, model: new SandboxedModel(signatureOfMetadata(first.inputs, first.outputs), first.loadMs, channel) };
      } catch (error) {
        channel.close();
        return { ok: false, error };
      }
    }
    channel.close();
    if (first.kind === 'ended') return { ok: false, error: first.error };
    return { ok: false, error: new Error(first.kind === 'failed' ? first.message : `unexpected message "${first.kind}" before the model loaded`) };
  }

  onApplicationShutdown(): void {
    for (const child of this.running) child.kill('SIGKILL');
  }
}

/** A model loaded in a sandbox child: run it as often as needed, then close it. */
export class SandboxedModel {
  constructor(
    readonly signature: ModelSignature,
    readonly loadMs: number,
    private readonly channel: SandboxChannel,
  ) {}

  /** `what` names the inputs for a timeout's reason ("the input example", "x [16, 4] (zeros)"). */
  async run(feeds: Record<string, ort.Tensor>, what: string): Promise<SandboxRun> {
    this.channel.send({ feeds: Object.fromEntries(Object.entries(feeds).map(([name, t]) => [name, { type: t.type, dims: t.dims, data: t.data }])) });
    const answer = await this.channel.next(`running the model on ${what}`);
    if (answer.kind === 'ran') return { ok: true, inferenceMs: answer.inferenceMs };
    if (answer.kind === 'ended') return { ok: false, error: answer.error, fatal: true };
    return { ok: false, error: new Error(answer.kind === 'failed' ? answer.message : `unexpected message "${answer.kind}"`), fatal: false };
  }

  close(): void {
    this.channel.close();
  }
}

type ChannelEvent = ChildMessage | { kind: 'ended'; error: unknown };

/**
 * The parent's end of one child: hands each message to whoever waits for it, and ends everything,
 * killing the child, on the deadline, on a runtime out of memory, or when the child dies.
 */
class SandboxChannel {
  private waiting: ((event: ChannelEvent) => void) | null = null;
  private ended: { kind: 'ended'; error: unknown } | null = null;
  /** What the child is doing, for the deadline's reason. */
  private doing = 'loading the model';
  private readonly deadline: NodeJS.Timeout;

  constructor(
    private readonly child: ChildProcess,
    timeoutMs: number,
    private readonly memoryMb: number,
  ) {
    // The last of what the child wrote to stderr, to tell a V8 or allocator abort from another crash.
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4096)));
    this.deadline = setTimeout(
      () => this.end(new ValidationLimitError(`validation did not finish within ${timeoutMs} ms (VALIDATION_TIMEOUT_MS): it was still ${this.doing}`)),
      timeoutMs,
    );
    child.on('message', (message: ChildMessage) => {
      if (message.kind === 'failed' && OUT_OF_MEMORY.test(message.message)) return this.end(new ValidationLimitError(this.memoryReason(message.message)));
      const waiting = this.waiting;
      this.waiting = null;
      waiting?.(message);
    });
    // The child's last message may still be in the channel when its exit is seen: a crash is
    // reported only once the process has exited and the channel is drained and closed.
    let exit: string | undefined;
    const reportCrash = () => {
      if (exit === undefined || child.connected) return;
      const lastLine = stderr.trim().split('\n').filter(Boolean).pop() ?? '';
      const detail = `the runtime stopped (${exit})${lastLine ? `: ${lastLine}` : ''}`;
      this.end(OUT_OF_MEMORY.test(stderr) ? new ValidationLimitError(this.memoryReason(detail)) : new Error(detail));
    };
    child.on('exit', (code, signal) => {
      exit = signal ? `signal ${signal}` : `exit code ${code}`;
      reportCrash();
    });
    child.on('disconnect', reportCrash);
    child.on('error', (error) => this.end(error));
  }

  /** The child's next message, or how the sandbox ended. */
  next(doing: string): Promise<ChannelEvent> {
    this.doing = doing;
    if (this.ended) return Promise.resolve(this.ended);
    return new Promise((resolve) => (this.waiting = resolve));
  }

  send(message: RunRequest): void {
    if (!this.ended && this.child.connected) this.child.send(message as unknown as Serializable);
  }

  close(): void {
    this.end(new Error('the sandbox was closed'));
  }

  private memoryReason(detail: string): string {
    return `the model needs more memory than validation allows (VALIDATION_MEMORY_LIMIT_MB=${this.memoryMb}): ${detail}`;
  }

  private end(error: unknown): void {
    if (this.ended) return;
    this.ended = { kind: 'ended', error };
    clearTimeout(this.deadline);
    this.child.kill('SIGKILL');
    const waiting = this.waiting;
    this.waiting = null;
    waiting?.(this.ended);
  }
}
