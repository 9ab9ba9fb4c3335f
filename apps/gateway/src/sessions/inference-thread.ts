/**
 * An inference thread's program (started by InferenceThreads, from inference-threads.ts): it holds the
 * sessions of the heavy versions offloaded to it and runs them on request.
 */
import * as ort from 'onnxruntime-node';
import { getPriority, setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
// The module itself, not libs/onnx's index: each thread loads only what it runs (no model builders, no onnx-proto).
import { SERVING_SESSION_OPTIONS } from '@switchyard/onnx/session-options';
import { INFERENCE_THREAD_NICE, type ThreadMessage, type ThreadReply, type WireTensor } from './inference-thread-protocol';

const sessions = new Map<string, ort.InferenceSession>();
const port = parentPort!;

// Below the event loop's priority: see INFERENCE_THREAD_NICE.
try {
  // A thread starts at its creator's nice value; 19 is the lowest priority there is.
  setPriority(Math.min(19, getPriority() + INFERENCE_THREAD_NICE));
} catch {
  // Not permitted here (some sandboxes): the normal priority is still correct, only less isolated.
}

async function answer(message: ThreadMessage): Promise<{ reply: ThreadReply; transfer?: ArrayBuffer[] }> {
  switch (message.kind) {
    case 'load':
      // SERVING_SESSION_OPTIONS: one intra-op thread that does not spin, so a saturated heavy model
      // leaves the other core to the event loop and the light models on it.
      sessions.set(message.key, await ort.InferenceSession.create(message.bytes, SERVING_SESSION_OPTIONS));
      return { reply: { id: message.id, ok: true } };
    case 'run': {
      const session = sessions.get(message.key);
      if (!session) throw new Error(`no session ${message.key} in this inference thread`);
      const feeds: Record<string, ort.Tensor> = {};
      for (const [name, t] of Object.entries(message.feeds)) feeds[name] = new ort.Tensor(t.type, t.data as never, t.dims);
      const results = message.outputNames ? await session.run(feeds, message.outputNames) : await session.run(feeds);
      const outputs: Record<string, WireTensor> = {};
      const transfer: ArrayBuffer[] = [];
      for (const [name, t] of Object.entries(results)) {
        outputs[name] = { type: t.type, dims: t.dims, data: t.data };
        if (ArrayBuffer.isView(t.data) && t.data.buffer instanceof ArrayBuffer) transfer.push(t.data.buffer);
      }
      return { reply: { id: message.id, ok: true, outputs }, transfer };
    }
    case 'release': {
      const session = sessions.get(message.key);
      sessions.delete(message.key);
      if (session) await session.release();
      return { reply: { id: message.id, ok: true } };
    }
    case 'close': {
      // This handler runs only while no onnxruntime call is on this thread's stack (a call blocks the
      // thread), so ending here never cuts one short. process.exit() in a worker ends the thread only.
      const open = [...sessions.values()];
      sessions.clear();
      await Promise.allSettled(open.map((session) => session.release()));
      process.exit(0);
    }
  }
}

port.on('message', async (message: ThreadMessage) => {
  try {
    const { reply, transfer } = await answer(message);
    port.postMessage(reply, transfer);
  } catch (error) {
    port.postMessage({ id: message.id, ok: false, error: error instanceof Error && error.message ? error.message : String(error) } satisfies ThreadReply);
  }
});
