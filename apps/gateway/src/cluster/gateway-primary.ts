import cluster, { type Worker } from 'node:cluster';
import { hostname } from 'node:os';
import { pino } from 'pino';
import type { Env } from '@switchyard/config';
import { DEFAULT_DRAIN, serveClusterMetrics } from '@switchyard/http';
import { STOP_ACCEPTING, STOPPED_ACCEPTING } from './gateway-worker';
import { inferenceThreadShare, restartDelayMs, STABLE_AFTER_MS, workerReplicaId } from './worker-plan';

/** How long a worker has to leave the round-robin before it is sent SIGTERM regardless. */
const STOP_ACCEPTING_TIMEOUT_MS = 2_000;
/** Beyond the drain's own bound: the worker's shutdown hooks (Redis, inference threads) after it. */
const EXIT_GRACE_MS = DEFAULT_DRAIN.maxMs + 5_000;

interface Slot {
  /** 1-based, as in the replica id `-w<k>`. */
  index: number;
  worker: Worker | null;
  startedAt: number;
  /** Deaths in a row, each within STABLE_AFTER_MS of its start. */
  failures: number;
  restart?: NodeJS.Timeout;
}

/**
 * The gateway as a node:cluster primary (GATEWAY_WORKERS > 1): it serves nothing itself. It forks the
 * workers, which share GATEWAY_PORT (and every other port a gateway listens on) through the cluster,
 * each with its replica id and its share of the inference threads; starts a worker that died again,
 * with back-off; answers /metrics scrapes with every worker's metrics; and on SIGTERM or SIGINT drains
 * every worker (each stops accepting and answers what reached it, libs/http connection-drain.ts) and
 * exits once they all have.
 */
export function runGatewayPrimary(env: Env): void {
  // The same JSON lines as the workers' (pino), so a log collector or `npm start` reads them alike.
  const logger = pino({ level: env.LOG_LEVEL, base: { app: 'gateway', role: 'primary', pid: process.pid } });
  const base = env.GATEWAY_REPLICA_ID ?? `${hostname()}:${env.GATEWAY_PORT}`;
  const slots: Slot[] = Array.from({ length: env.GATEWAY_WORKERS }, (_, i) => ({ index: i + 1, worker: null, startedAt: 0, failures: 0 }));
  let stopping = false;
  /** Whether any worker has listened yet. */
  let served = false;

  const fork = (slot: Slot) => {
    slot.restart = undefined;
    slot.startedAt = Date.now();
    const worker = cluster.fork({
      GATEWAY_REPLICA_ID: workerReplicaId(base, slot.index),
      GATEWAY_INFERENCE_THREADS: String(inferenceThreadShare(env.GATEWAY_INFERENCE_THREADS, env.GATEWAY_WORKERS, slot.index)),
    });
    slot.worker = worker;
    worker.once('listening', () => (served = true));
    worker.on('exit', (code, signal) => {
      slot.worker = null;
      if (stopping) return;
      if (!served) {
        // No worker has ever listened: the configuration or the port is at fault, not one worker. Fail
        // as a single-process gateway does at start, rather than restart forever.
        logger.fatal({ worker: slot.index, code, signal }, 'a gateway worker exited before any worker listened; stopping');
        void drain('SIGTERM', 1);
        return;
      }
      slot.failures = Date.now() - slot.startedAt >= STABLE_AFTER_MS ? 1 : slot.failures + 1;
      const delay = restartDelayMs(slot.failures);
      logger.error({ worker: slot.index, code, signal, restart_in_ms: delay }, 'gateway worker died; starting it again');
      slot.restart = setTimeout(() => fork(slot), delay);
    });
  };

  const drain = async (signal: NodeJS.Signals, exitCode = 0) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, workers: slots.filter((s) => s.worker).length }, 'draining the gateway workers');
    for (const slot of slots) clearTimeout(slot.restart);
    // One worker at a time, each out of the port's round-robin before it is told to drain: clients it
    // sends away (Connection: close) reconnect to a worker still accepting, and when the last one
    // leaves, its clients are on open sockets, not in the port's queue, which closing it would reset.
    for (const slot of slots) if (slot.worker) await drainWorker(slot.worker, EXIT_GRACE_MS);
    process.exit(exitCode);
  };

  serveClusterMetrics();
  process.on('SIGTERM', () => void drain('SIGTERM'));
  process.on('SIGINT', () => void drain('SIGINT'));
  for (const slot of slots) fork(slot);
  logger.info({ workers: slots.length, port: env.GATEWAY_PORT, replicas: slots.map((s) => workerReplicaId(base, s.index)) }, 'gateway workers started');
}

/**
 * Out of the round-robin (the worker's answer to STOP_ACCEPTING), then SIGTERM: the worker drains as a
 * single-process gateway does. SIGKILL if it outlives the grace.
 */
function drainWorker(worker: Worker, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (worker.isDead()) return resolve();
    const terminate = () => {
      worker.off('message', onMessage);
      clearTimeout(unanswered);
      if (!worker.isDead()) worker.process.kill('SIGTERM');
    };
    const onMessage = (message: unknown) => {
      if ((message as { type?: unknown } | null)?.type === STOPPED_ACCEPTING) terminate();
    };
    // A worker still starting (not listening yet) does not answer: it is sent SIGTERM all the same.
    const unanswered = setTimeout(terminate, STOP_ACCEPTING_TIMEOUT_MS);
    const killer = setTimeout(() => worker.process.kill('SIGKILL'), graceMs);
    worker.once('exit', () => {
      clearTimeout(killer);
      terminate();
      resolve();
    });
    worker.on('message', onMessage);
    if (worker.isConnected()) worker.send({ type: STOP_ACCEPTING });
    else terminate();
  });
}
