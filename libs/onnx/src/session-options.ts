import type * as ort from 'onnxruntime-node';

/**
 * How the gateway (and the bench's baselines, so they compare like with like) open a session for
 * serving: one intra-op thread that does not spin. By default onnxruntime starts a pool of one thread
 * per core whose threads spin after every run waiting for the next; on a gateway that answers
 * thousands of small requests a second, that pool kept a whole core busy doing nothing (the gateway
 * read 130–150 % CPU on 2 cores), taking it from the event loop, the load balancer's other replica or
 * the worker. Requests already run concurrently across replicas and inference threads; a model heavy
 * enough to want intra-op parallelism is offloaded to an inference thread, which uses the same options.
 */
export const SERVING_SESSION_OPTIONS: ort.InferenceSession.SessionOptions = {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
};
