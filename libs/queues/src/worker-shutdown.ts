import type { Worker } from 'bullmq';

/**
 * Closes a BullMQ worker, waiting for its jobs in progress for at most graceMs; true when it closed in
 * time. BullMQ's close (and its disconnect) were seen waiting for minutes on a busy machine for a
 * connection to end, with no job running, so past the grace period the connections are dropped without
 * waiting and shutdown goes on: a job in progress keeps its lock until the lock expires, then the stalled
 * check hands it to another worker, as after a crash. So shutdown is bounded, well inside a container's
 * grace period, and nothing is lost as long as the job is safe to run again.
 */
export async function closeWorkerWithin(worker: Worker, graceMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const graceful = worker.close().then(() => true);
  const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), graceMs)));
  try {
    if (await Promise.race([graceful, timedOut])) return true;
  } finally {
    clearTimeout(timer);
  }
  void worker.disconnect().catch(() => undefined);
  return false;
}
