/**
 * The validation sandbox child's program (started by RuntimeSandbox, from runtime-sandbox.ts, under its
 * memory limit and with no environment beyond PATH). It reads the model from stdin (its size is
 * argv[2]), loads it from bytes (never a path, so no external-data file next to it can be reached),
 * reports the session's inputs and outputs, then runs each set of feeds it is sent and reports how
 * that went, until it is killed. onnxruntime's own error lines are silenced (severity 4): the failure
 * is reported through the message instead.
 */
import * as ort from 'onnxruntime-node';
// Small modules only: the child starts for every validation, under the memory limit.
// Only what the child needs: the lib's index would load the model builders too.
import { messageOf } from '@switchyard/onnx/runtime-messages';
import type { ChildMessage, RunRequest } from './sandbox-protocol';

const send = (message: ChildMessage, callback?: () => void) => process.send!(message, undefined, undefined, callback);
const finish = (message: ChildMessage) => send(message, () => process.exit(0));

const size = Number(process.argv[2]);
const bytes = Buffer.allocUnsafe(size);
let received = 0;
process.stdin.on('data', (chunk: Buffer) => {
  chunk.copy(bytes, received);
  received += chunk.length;
});
process.stdin.on('end', async () => {
  let session: ort.InferenceSession;
  const loadStarted = performance.now();
  try {
    session = await ort.InferenceSession.create(bytes.subarray(0, received), { logSeverityLevel: 4 });
  } catch (error) {
    return finish({ kind: 'failed', step: 'load', message: messageOf(error) });
  }
  process.on('message', async ({ feeds }: RunRequest) => {
    const tensors: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) tensors[name] = new ort.Tensor(t.type, t.data as never, t.dims);
    const started = performance.now();
    try {
      await session.run(tensors);
      send({ kind: 'ran', inferenceMs: performance.now() - started });
    } catch (error) {
      send({ kind: 'failed', step: 'inference', message: messageOf(error) });
    }
  });
  send({ kind: 'loaded', loadMs: performance.now() - loadStarted, inputs: session.inputMetadata, outputs: session.outputMetadata });
});
