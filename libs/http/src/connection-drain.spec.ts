import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { installConnectionDrain } from './connection-drain';

/** The drain's deadline here: a close that settles by its condition takes a small part of it. */
const MAX_MS = 30_000;

function get(agent: http.Agent, port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent }, (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

describe('installConnectionDrain', () => {
  it('answers a request in flight when the server closes, then lets the close finish once its sockets are quiet, not at its deadline', async () => {
    // Fastify gives a close hook pluginTimeout (10 s by default) before it fails the close itself.
    const fastify = Fastify({ return503OnClosing: false, pluginTimeout: 2 * MAX_MS });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const handlerEntered = new Promise<void>((resolve) => (entered = resolve));
    fastify.get('/quick', async () => 'quick');
    fastify.get('/slow', async () => {
      entered();
      await gate;
      return 'slow';
    });
    installConnectionDrain(fastify, { quietMs: 50, maxMs: MAX_MS });
    await fastify.listen({ host: '127.0.0.1', port: 0 });
    const port = (fastify.server.address() as AddressInfo).port;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      // Several answered requests on one keep-alive socket, each counted in and out.
      for (let i = 0; i < 5; i++) expect(await get(agent, port, '/quick')).toEqual({ status: 200, body: 'quick' });
      const slow = get(agent, port, '/slow');
      await handlerEntered;

      const started = Date.now();
      const closing = fastify.close();
      release();

      expect(await slow).toEqual({ status: 200, body: 'slow' });
      await closing;
      // Had a request stayed counted as in flight, the close would have waited for MAX_MS.
      expect(Date.now() - started).toBeLessThan(MAX_MS / 2);
    } finally {
      agent.destroy();
      await fastify.close();
    }
  }, 4 * MAX_MS);
});
