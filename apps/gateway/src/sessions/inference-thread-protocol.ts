import type * as ort from 'onnxruntime-node';

/** A tensor as it crosses to and from an inference thread: its buffer is transferred, not copied. */
export interface WireTensor {
  type: ort.Tensor.Type;
  dims: readonly number[];
  data: ort.Tensor.DataType;
}

/** What the gateway asks an inference thread; sessions are keyed by the version's sha256 and a counter. */
export type ThreadRequest =
  | { kind: 'load'; key: string; bytes: Buffer }
  | { kind: 'run'; key: string; feeds: Record<string, WireTensor>; outputNames?: string[] }
  | { kind: 'release'; key: string }
  /**
   * Release every session and end the thread. The thread ends itself, between two of its own tasks:
   * `worker.terminate()` from outside may land while the thread is inside onnxruntime (a load, a run),
   * and when that native call returns into a thread that may no longer run JavaScript, onnxruntime-node
   * throws a C++ exception nothing can catch, and the whole process aborts.
   */
  | { kind: 'close' };

/** Each request carries an id its reply answers to. */
export type ThreadMessage = ThreadRequest & { id: number };

export type ThreadReply = { id: number; ok: true; outputs?: Record<string, WireTensor> } | { id: number; ok: false; error: string };

/**
 * How many nice levels below the event loop an inference thread runs. On Linux a nice value belongs to a
 * thread (setpriority on "this process" from a thread changes that thread only), and a heavy model's runs
 * happen on its inference thread (one intra-op thread). When heavy models saturate the cores, the scheduler then prefers
 * the event loop, which parses every request and runs the light models inline: a light model's p99 beside
 * a saturated heavy one is what suffers otherwise (bench scenario 5c). Raising a nice value needs no
 * privilege; where the platform refuses, the thread runs at its creator's priority.
 */
export const INFERENCE_THREAD_NICE = 10;
