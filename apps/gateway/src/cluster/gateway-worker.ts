import type { FastifyInstance } from 'fastify';
import { stopAccepting } from '@switchyard/http';

/** The primary's request that a worker stop accepting connections, and the worker's answer. */
export const STOP_ACCEPTING = 'switchyard:stop-accepting';
export const STOPPED_ACCEPTING = 'switchyard:stopped-accepting';

/**
 * In a gateway worker: on the primary's request, leave the port's round-robin and say so, before the
 * primary sends SIGTERM. The answer travels on the IPC channel after the cluster's own "close" for the
 * listener, so when the primary reads it the port no longer hands this worker connections; only then
 * does the drain tell clients `Connection: close`, and their next connections go to workers still
 * accepting (or, after the last one, are refused) instead of into a queue that closing would reset.
 */
export function followPrimary(fastify: FastifyInstance): void {
  process.on('message', (message: unknown) => {
    if ((message as { type?: unknown } | null)?.type !== STOP_ACCEPTING) return;
    stopAccepting(fastify);
    process.send?.({ type: STOPPED_ACCEPTING });
  });
}
