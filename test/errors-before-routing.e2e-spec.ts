import type { Server } from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createGatewayApp } from '../apps/gateway/src/gateway.app';
import { createRegistryApp } from '../apps/registry/src/registry.app';
import { createWorkerApp } from '../apps/worker/src/worker.app';
import { call } from './support/client';
import { fileStoreEnv, type RunningApp, startApp } from './support/http-app';
import { createIsolatedDatabase, dropIsolatedDatabase, isolatedRedisPrefix } from './support/isolation';
import { testRun, uniqueSuffix } from './support/test-env';

/**
 * Issue 13 item 6: what is refused before any route runs — by Node's HTTP parser (a malformed request,
 * 431, 408), by Fastify's router (404, 405) and body parsers (400, 413, 415) — answers problem+json
 * on every app, and `{"error"}` on the gateway's /v2 routes. Malformed, oversized and slow requests
 * are written byte by byte on a raw socket, as a client that is not a well-behaved HTTP library would.
 */
const GATEWAY_BODY_LIMIT = 64 * 1024;
/** Shortened from Node's 60 s so a slow client's 408 arrives within a test. */
const HEADERS_TIMEOUT_MS = 1_000;

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: any;
}

/** Writes bytes on a fresh connection and reads the answer until the server closes it. */
function rawRequest(url: string, bytes: string): Promise<RawAnswer> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1');
    const chunks: Buffer[] = [];
    const deadline = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within 30 s to ${JSON.stringify(bytes.slice(0, 60))}`));
    }, 30_000);
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(deadline);
      const text = Buffer.concat(chunks).toString('utf8');
      const [head, ...rest] = text.split('\r\n\r\n');
      const [statusLine, ...headerLines] = head.split('\r\n');
      const headers = Object.fromEntries(headerLines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
      const body = rest.join('\r\n\r\n');
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: body ? JSON.parse(body) : undefined });
    });
    socket.write(bytes);
  });
}

function withShortHeadersTimeout(loader: () => Promise<NestFastifyApplication>): () => Promise<NestFastifyApplication> {
  return async () => {
    const app = await loader();
    // Node checks for expired requests every connectionsCheckingInterval (untyped), read as the server starts listening.
    const server = app.getHttpServer() as Server & { connectionsCheckingInterval: number };
    server.headersTimeout = HEADERS_TIMEOUT_MS;
    server.connectionsCheckingInterval = 100;
    return app;
  };
}

function expectProblemShape(answer: { status: number; headers: Record<string, string> | Headers; body: any }, status: number): void {
  const type = answer.headers instanceof Headers ? answer.headers.get('content-type') : answer.headers['content-type'];
  expect({ status: answer.status, type, body: answer.body }).toEqual({
    status,
    type: expect.stringMatching(/^application\/problem\+json/),
    body: expect.objectContaining({ type: expect.stringMatching(/^\/problems\//), title: expect.any(String), status, detail: expect.any(String) }),
  });
}

function expectOipShape(answer: { status: number; headers: Record<string, string> | Headers; body: any }, status: number): void {
  const type = answer.headers instanceof Headers ? answer.headers.get('content-type') : answer.headers['content-type'];
  expect({ status: answer.status, type, body: answer.body }).toEqual({ status, type: expect.stringMatching(/^application\/json/), body: { error: expect.any(String) } });
}

describe('errors raised before routing, on every app', () => {
  let databaseUrl: string;
  const apps: Record<'registry' | 'gateway' | 'worker', RunningApp> = {} as never;

  beforeAll(async () => {
    databaseUrl = await createIsolatedDatabase();
    const shared = { DATABASE_URL: databaseUrl, REDIS_PREFIX: isolatedRedisPrefix() };
    apps.registry = await startApp(withShortHeadersTimeout(createRegistryApp), { ...shared, ...fileStoreEnv() });
    apps.gateway = await startApp(withShortHeadersTimeout(createGatewayApp), {
      ...shared,
      REGISTRY_URL: apps.registry.url,
      GATEWAY_CACHE_DIR: path.join(testRun().workDir, `gateway-cache-${uniqueSuffix()}`),
      GATEWAY_MAX_BODY_BYTES: String(GATEWAY_BODY_LIMIT),
    });
    apps.worker = await startApp(withShortHeadersTimeout(createWorkerApp), shared);
  });
  afterAll(async () => {
    await apps.worker?.close();
    await apps.gateway?.close();
    await apps.registry?.close();
    if (databaseUrl) await dropIsolatedDatabase(databaseUrl);
  });

  describe.each(['registry', 'gateway', 'worker'] as const)('%s', (name) => {
    it('400 for a request that is not HTTP/1.1', async () => {
      expectProblemShape(await rawRequest(apps[name].url, 'NOT HTTP AT ALL\r\n\r\n'), 400);
      expectProblemShape(await rawRequest(apps[name].url, 'GET /health/live HTTP/1.1\r\nHost: x\r\nContent-Length: twelve\r\n\r\n'), 400);
    });

    it('404 for a path no route serves', async () => {
      const answer = await call(`${apps[name].url}/no/such/route`);
      expectProblemShape(answer, 404);
      expect(answer.body.type).toBe('/problems/route-not-found');
    });

    it('400 for a path that does not percent-decode, naming the request in X-Request-Id as every answer does', async () => {
      // Refused by Fastify's router before any hook runs (frameworkErrors), so no hook named it.
      const answer = await call(`${apps[name].url}/health/%zz`, { headers: { 'x-request-id': `bad-path-${name}` } });
      expectProblemShape(answer, 400);
      expect(answer.headers.get('x-request-id')).toBe(`bad-path-${name}`);
    });

    it('405 with Allow for a method the path does not take', async () => {
      const answer = await call(`${apps[name].url}/health/live`, { method: 'DELETE' });
      expectProblemShape(answer, 405);
      expect(answer.headers.get('allow')).toBe('GET, HEAD');
    });

    it('408 for headers that do not arrive in time', async () => {
      const answer = await rawRequest(apps[name].url, 'GET /health/live HTTP/1.1\r\nHost: x\r\n');
      expectProblemShape(answer, 408);
      expect(answer.headers.connection).toBe('close');
    });

    it('431 for headers over 16 KiB', async () => {
      expectProblemShape(await rawRequest(apps[name].url, `GET /health/live HTTP/1.1\r\nHost: x\r\nX-Padding: ${'p'.repeat(20_000)}\r\n\r\n`), 431);
    });
  });

  // The worker takes a body on no route: a POST there is a 405 before any body is read.
  describe.each([
    ['registry', '/v1/models', 1024 * 1024],
    ['gateway', '/v1/feedback', GATEWAY_BODY_LIMIT],
  ] as const)('%s body errors on %s', (name, route, limit) => {
    it('400 for JSON that does not parse, 413 over the body limit, 415 for another type', async () => {
      const url = `${apps[name].url}${route}`;
      expectProblemShape(await call(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name": ' }), 400);
      expectProblemShape(await call(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `"${'x'.repeat(limit)}"` }), 413);
      expectProblemShape(await call(url, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: '<model/>' }), 415);
    });
  });

  describe('gateway /v2 routes answer {"error"} as the protocol says', () => {
    const v2 = () => `${apps.gateway.url}/v2`;

    it('404, 405 with Allow, 400, 413 and 415', async () => {
      expectOipShape(await call(`${v2()}/no/such/route`), 404);
      const wrongMethod = await call(`${v2()}/models/m/infer`);
      expectOipShape(wrongMethod, 405);
      expect(wrongMethod.headers.get('allow')).toBe('POST');
      const infer = `${v2()}/models/m/infer`;
      expectOipShape(await call(infer, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"inputs": [' }), 400);
      expectOipShape(await call(infer, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `"${'x'.repeat(GATEWAY_BODY_LIMIT)}"` }), 413);
      expectOipShape(await call(infer, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'inputs' }), 415);
      expectOipShape(await call(`${v2()}/models/${'m'.repeat(300)}/ready`), 404);
    });

    it('400 and 431 written on the socket, when the request line names a /v2 route', async () => {
      const url = apps.gateway.url;
      expectOipShape(await rawRequest(url, 'GET /v2/health/live HTTP/1.1\r\nHost: x\r\nContent-Length: twelve\r\n\r\n'), 400);
      expectOipShape(await rawRequest(url, `GET /v2/health/live HTTP/1.1\r\nHost: x\r\nX-Padding: ${'p'.repeat(20_000)}\r\n\r\n`), 431);
    });

    it('408 as problem+json: Node reports a slow request without the bytes that would name its route', async () => {
      expectProblemShape(await rawRequest(apps.gateway.url, 'GET /v2/health/live HTTP/1.1\r\nHost: x\r\n'), 408);
    });
  });
});
