import type { Socket } from 'node:net';
import { Server as NetServer } from 'node:net';
import type { FastifyInstance } from 'fastify';

export interface DrainOptions {
  /** A socket with no request for this long belongs to a client that is not sending: it may be closed. */
  quietMs: number;
  /** The drain never takes longer than this; requests still running then are awaited all the same. */
  maxMs: number;
}

/** Sized for a client that sends again as soon as it has its answer, on a busy machine. */
export const DEFAULT_DRAIN: DrainOptions = { quietMs: 500, maxMs: 10_000 };

interface SocketState {
  inFlight: number;
  lastActive: number;
}

/**
 * Closing without resetting a request. Node's `server.close()` closes every idle keep-alive socket at
 * once, and a client that has just sent its next request on one gets ECONNRESET: the request reached
 * the server and got no status. So when the app closes (SIGTERM), before Fastify closes the server:
 * stop accepting connections, answer every request still arriving on an open socket (Fastify adds
 * `Connection: close` to each answer while closing, so the client opens its next connection elsewhere),
 * and wait until every socket is gone or has been quiet for `quietMs`, at most `maxMs`. Only then are
 * idle sockets closed. The app must be built with `return503OnClosing: false`, or those requests would
 * be refused instead of answered.
 */
export function installConnectionDrain(fastify: FastifyInstance, options: DrainOptions = DEFAULT_DRAIN): void {
  const sockets = new Map<Socket, SocketState>();
  fastify.server.on('connection', (socket: Socket) => {
    sockets.set(socket, { inFlight: 0, lastActive: Date.now() });
    socket.once('close', () => sockets.delete(socket));
  });
  fastify.server.on('request', (request, response) => {
    const state = sockets.get(request.socket);
    if (!state) return;
    state.inFlight++;
    // `on`, not `once`: a response closes once, and once() wraps the listener in a bound function that
    // removes itself, which cost about 1,600 instructions per request under callgrind. The flag keeps
    // the count right should a close ever be emitted twice.
    let open = true;
    response.on('close', () => {
      if (!open) return;
      open = false;
      state.inFlight--;
      state.lastActive = Date.now();
    });
  });

  fastify.addHook('preClose', async () => {
    stopAccepting(fastify);
    const deadline = Date.now() + options.maxMs;
    const settled = () => [...sockets.values()].every((s) => s.inFlight === 0 && Date.now() - s.lastActive >= options.quietMs);
    while (sockets.size > 0 && !settled() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  });
}

/**
 * Stops taking new connections and leaves open ones alone (net.Server's close; http.Server's would also
 * close idle keep-alive sockets). In a cluster worker this takes the worker out of the port's
 * round-robin: the primary hands new connections to the others.
 */
export function stopAccepting(fastify: FastifyInstance): void {
  if (fastify.server.listening) NetServer.prototype.close.call(fastify.server);
}
