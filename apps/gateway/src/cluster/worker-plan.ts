/**
 * What the gateway's cluster primary decides for each worker, as plain functions: its name in rollout
 * status, its share of the inference threads, and how long to wait before starting it again.
 */

/** GATEWAY_REPLICA_ID allows 100 characters; the base is cut so that `-w<k>` still fits. */
const MAX_REPLICA_ID = 100;

/**
 * A worker's replica id: `<base>-w<k>`, k from 1. The slot, not the pid, names it, so a worker started
 * again after a crash takes over its predecessor's rollout row instead of leaving a stale one beside it.
 */
export function workerReplicaId(base: string, slot: number): string {
  const suffix = `-w${slot}`;
  return `${base.slice(0, MAX_REPLICA_ID - suffix.length)}${suffix}`;
}

/**
 * One worker's share of GATEWAY_INFERENCE_THREADS, read as the gateway's total: split evenly, the
 * remainder to the first slots. Every worker keeps at least one thread while the total is not 0: a
 * worker without one would run heavy models on its event loop and stall the light ones beside them,
 * which is what the threads are for; one thread more than the total is the lesser cost.
 */
export function inferenceThreadShare(total: number, workers: number, slot: number): number {
  if (total === 0) return 0;
  const even = Math.floor(total / workers);
  return Math.max(1, even + (slot <= total % workers ? 1 : 0));
}

/** A worker that lived at least this long had started fine: its next death starts the back-off afresh. */
export const STABLE_AFTER_MS = 30_000;
const FIRST_RESTART_MS = 250;
const LONGEST_RESTART_MS = 30_000;

/**
 * The wait before starting a worker again after its `failures`-th death in a row (1 for the first):
 * doubling from 250 ms to at most 30 s, so a worker that cannot start (a port taken, a broken cache)
 * does not spin the CPU, while a one-off crash is replaced at once.
 */
export function restartDelayMs(failures: number): number {
  return Math.min(LONGEST_RESTART_MS, FIRST_RESTART_MS * 2 ** Math.max(0, failures - 1));
}
