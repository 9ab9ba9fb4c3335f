import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type * as ort from 'onnxruntime-node';
import { type ChildProcess, spawn } from 'node:child_process';
import { type ModelSignature, signatureOfMetadata, zeroFeeds } from '../../../../libs/onnx/src';
import { TypedConfig } from '../../../../libs/config/src';
import type { ValidationStep } from './failure-reason';

export type SmokeTest =
  | { ok: true; signature: ModelSignature; loadMs: number; inferenceMs: number }
  | { ok: false; step: ValidationStep; error: unknown };

/** The model went past a limit the validation runs under; the message says which, for its uploader. */
export class ValidationLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ValidationLimitError';
  }
}

/** How a child's runtime error is told apart from the model needing more memory than it may have. */
const OUT_OF_MEMORY = /bad_alloc|failed to allocate|out of memory|allocation failed/i;

type ChildMessage =
  | { kind: 'loaded'; loadMs: number; inputs: ort.InferenceSession.ValueMetadata[]; outputs: ort.InferenceSession.ValueMetadata[] }
  | { kind: 'ran'; inferenceMs: number }
  | { kind: 'failed'; step: 'load' | 'inference'; message: string };

/**
 * The child's whole program, run with `node -e` so the same code serves the compiled app and the test
 * runner. It reads the model from stdin (its size is argv[2]), loads it from bytes (never a path, so
 * no external-data file next to it can be reached), reports the session's inputs and outputs, runs the
 * feeds it is sent, and exits. onnxruntime's own error lines are silenced (severity 4): the failure
 * is reported through the message instead.
 */
const CHILD_SOURCE = `
const ort = require(process.argv[1]);
const size = Number(process.argv[2]);
const bytes = Buffer.allocUnsafe(size);
let received = 0;
const messageOf = (e) => (e && typeof e.message === 'string' && e.message) || String(e);
const finish = (message) => process.send(message, () => process.exit(0));
process.stdin.on('data', (chunk) => {
  chunk.copy(bytes, received);
  received += chunk.length;
});
process.stdin.on('end', async () => {
  let session;
  const loadStarted = performance.now();
  try {
    session = await ort.InferenceSession.create(bytes.subarray(0, received), { logSeverityLevel: 4 });
  } catch (error) {
    return finish({ kind: 'failed', step: 'load', message: messageOf(error) });
  }
  process.once('message', async ({ feeds }) => {
    const tensors = {};
    for (const [name, t] of Object.entries(feeds)) tensors[name] = new ort.Tensor(t.type, t.data, t.dims);
    const started = performance.now();
    try {
      await session.run(tensors);
      finish({ kind: 'ran', inferenceMs: performance.now() - started });
    } catch (error) {
      finish({ kind: 'failed', step: 'inference', message: messageOf(error) });
    }
  });
  process.send({ kind: 'loaded', loadMs: performance.now() - loadStarted, inputs: session.inputMetadata, outputs: session.outputMetadata });
});
`;

/**
 * Loads an uploaded model and runs it once on zeros in a child process with limits, so a model built to
 * exhaust memory or never finish (a Loop with a huge trip count, a ConstantOfShape of billions of
 * elements) fails its own version with a reason instead of taking the worker down or holding it.
 *
 * Memory: the child starts under `ulimit -d` (RLIMIT_DATA, which Linux applies to the heap and every
 * private writable mapping, so onnxruntime's native allocations count, not only V8's heap): an
 * allocation past it fails inside the runtime. Time: the child is killed when the deadline passes.
 * The child gets no environment beyond PATH, so untrusted model code never sees the worker's secrets.
 */
@Injectable()
export class RuntimeSandbox implements OnApplicationShutdown {
  private readonly running = new Set<ChildProcess>();
  private readonly runtimePath = require.resolve('onnxruntime-node');

  constructor(private readonly config: TypedConfig) {}

  get limits(): { timeoutMs: number; memoryMb: number } {
    return { timeoutMs: this.config.get('VALIDATION_TIMEOUT_MS'), memoryMb: this.config.get('VALIDATION_MEMORY_LIMIT_MB') };
  }

  smokeTest(bytes: Buffer): Promise<SmokeTest> {
    const { timeoutMs, memoryMb } = this.limits;
    const child = spawn(
      '/bin/sh',
      ['-c', 'ulimit -d "$1" && shift && exec "$@"', 'sh', String(memoryMb * 1024), process.execPath, '-e', CHILD_SOURCE, this.runtimePath, String(bytes.length)],
      { stdio: ['pipe', 'ignore', 'pipe', 'ipc'], serialization: 'advanced', env: { PATH: process.env.PATH ?? '' } },
    );
    this.running.add(child);
    // The last of what the child wrote to stderr, to tell a V8 or allocator abort from another crash.
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4096)));
    // A child that dies before reading all its input closes the pipe: the exit handler reports it.
    child.stdin!.on('error', () => undefined);
    child.stdin!.end(bytes);

    const memoryReason = (detail: string) =>
      `the model needs more memory than validation allows (VALIDATION_MEMORY_LIMIT_MB=${memoryMb}): ${detail}`;

    return new Promise<SmokeTest>((resolve) => {
      let step: ValidationStep = 'load';
      let signature: ModelSignature | undefined;
      let loadMs = 0;
      let settled = false;
      const settle = (result: SmokeTest) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        child.kill('SIGKILL');
        resolve(result);
      };
      const deadline = setTimeout(() => {
        const doing = step === 'load' ? 'loading the model' : 'running it once on zeros';
        settle({
          ok: false,
          step,
          error: new ValidationLimitError(`validation did not finish within ${timeoutMs} ms (VALIDATION_TIMEOUT_MS): it was still ${doing}`),
        });
      }, timeoutMs);

      child.on('message', (message: ChildMessage) => {
        if (message.kind === 'loaded') {
          loadMs = message.loadMs;
          try {
            signature = signatureOfMetadata(message.inputs, message.outputs);
          } catch (error) {
            return settle({ ok: false, step: 'load', error });
          }
          step = 'inference';
          const feeds = Object.fromEntries(Object.entries(zeroFeeds(signature)).map(([name, t]) => [name, { type: t.type, dims: t.dims, data: t.data }]));
          child.send({ feeds });
        } else if (message.kind === 'ran') {
          settle({ ok: true, signature: signature!, loadMs, inferenceMs: message.inferenceMs });
        } else {
          const error = OUT_OF_MEMORY.test(message.message) ? new ValidationLimitError(memoryReason(message.message)) : new Error(message.message);
          settle({ ok: false, step: message.step, error });
        }
      });
      // The child's last message may still be in the channel when its exit is seen: a crash is
      // reported only once the process has exited and the channel is drained and closed.
      let exit: string | undefined;
      const reportCrash = () => {
        if (exit === undefined || child.connected) return;
        const lastLine = stderr.trim().split('\n').filter(Boolean).pop() ?? '';
        const detail = `the runtime stopped (${exit})${lastLine ? `: ${lastLine}` : ''}`;
        settle({ ok: false, step, error: OUT_OF_MEMORY.test(stderr) ? new ValidationLimitError(memoryReason(detail)) : new Error(detail) });
      };
      child.on('exit', (code, signal) => {
        this.running.delete(child);
        exit = signal ? `signal ${signal}` : `exit code ${code}`;
        reportCrash();
      });
      child.on('disconnect', reportCrash);
      child.on('error', (error) => settle({ ok: false, step, error }));
    });
  }

  onApplicationShutdown(): void {
    for (const child of this.running) child.kill('SIGKILL');
  }
}
