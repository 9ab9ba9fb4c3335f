import * as http from 'node:http';
import * as path from 'node:path';
import { credentials, loadPackageDefinition, makeGenericClientConstructor, Metadata, type ServiceDefinition, type ServiceError, status } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { service as healthService } from 'grpc-health-check';
import { buildAffine } from '@switchyard/onnx/testing';
import { eventually } from '../../../test/support/artifacts';
import { call, testAdminKey } from '../../../test/support/client';
import { createModel, uploadReadyVersion } from '../../../test/support/fixtures';
import { fileStoreEnv, startRegistry } from '../../../test/support/http-app';
import { createIsolatedDatabase, dropIsolatedDatabase, isolatedRedisPrefix } from '../../../test/support/isolation';
import { AppProcess, Cleanup } from '../../../test/support/owned-services';
import { freePort } from '../../../test/support/processes';
import { testRun, uniqueSuffix } from '../../../test/support/test-env';

interface Outcome {
  /** An HTTP status, or the error code of a request that got none. */
  result: number | string;
  retryAfter?: string;
  connection?: string;
  sentAfterSignal: boolean;
}

/** One POST on a keep-alive agent of one socket: a client that reuses its connection as long as it may. */
function post(agent: http.Agent, url: URL, body: string, signalled: () => boolean): Promise<Outcome> {
  const sentAfterSignal = signalled();
  return new Promise((resolve) => {
    const request = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${testAdminKey()}` },
        timeout: 10_000,
      },
      (response) => {
        response.resume();
        response.on('end', () =>
          resolve({
            result: response.statusCode ?? 0,
            retryAfter: response.headers['retry-after'],
            connection: response.headers.connection,
            sentAfterSignal,
          }),
        );
        response.on('error', (error: NodeJS.ErrnoException) => resolve({ result: error.code ?? error.message, sentAfterSignal }));
      },
    );
    request.on('timeout', () => request.destroy(Object.assign(new Error('timed out'), { code: 'TIMEOUT' })));
    request.on('error', (error: NodeJS.ErrnoException) => resolve({ result: error.code ?? error.message, sentAfterSignal }));
    request.end(body);
  });
}

/** A registry on a fresh database whose model (named from `prefix`) has a ready champion, y = x + 1. */
async function registryServing(cleanup: Cleanup, prefix: string) {
  const databaseUrl = await createIsolatedDatabase();
  cleanup.defer(() => dropIsolatedDatabase(databaseUrl));
  const shared = { DATABASE_URL: databaseUrl, REDIS_PREFIX: isolatedRedisPrefix() };
  const registry = await startRegistry({ ...shared, ...fileStoreEnv() });
  cleanup.defer(() => registry.close());
  const model = await createModel(registry.url, prefix);
  await uploadReadyVersion(registry.url, model, buildAffine({ scale: 1, bias: 1, features: 1 }), databaseUrl);
  expect((await call(`${registry.url}/v1/models/${model}/aliases/champion`, { method: 'PUT', json: { version: 1 } })).status).toBe(200);
  return { shared, registry, model };
}

describe('gateway shutdown under load', () => {
  jest.setTimeout(120_000);

  it('answers every request that reached it after SIGTERM (no connection reset), then exits by itself', async () => {
    const cleanup = new Cleanup();
    try {
      const { shared, registry, model } = await registryServing(cleanup, 'drain');

      const gateway = await AppProcess.gateway({
        ...shared,
        REGISTRY_URL: registry.url,
        GATEWAY_CACHE_DIR: path.join(testRun().workDir, `gateway-cache-${uniqueSuffix()}`),
      });
      cleanup.defer(() => gateway.stop('SIGKILL'));
      const url = new URL(`${gateway.url}/v1/models/${model}/predict`);
      await eventually(() => call(url.href, { method: 'POST', json: { instances: [[1]] } }), (answer) => answer.status === 200, 20_000);

      let signalledAt = 0;
      const signalled = () => signalledAt > 0;
      const outcomes: Outcome[] = [];
      const body = JSON.stringify({ instances: [[1]] });
      const loadDeadline = Date.now() + 60_000;
      // Eight clients, each on one keep-alive socket, sending as fast as they are answered, until the
      // gateway refuses connections (it has stopped listening), or the bound.
      const clients = Array.from({ length: 8 }, async () => {
        const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
        try {
          while (Date.now() < loadDeadline) {
            const outcome = await post(agent, url, body, signalled);
            outcomes.push(outcome);
            if (outcome.result === 'ECONNREFUSED') return;
          }
        } finally {
          agent.destroy();
        }
      });
      await eventually(async () => outcomes.filter((o) => o.result === 200).length, (n) => n >= 200, 30_000);
      signalledAt = Date.now();
      process.kill(gateway.pid!, 'SIGTERM');
      await Promise.all(clients);
      const exited = await eventually(async () => !gateway.running, (done) => done, 30_000);

      const answered = outcomes.filter((o) => typeof o.result === 'number');
      const unanswered = outcomes.filter((o) => typeof o.result !== 'number' && o.result !== 'ECONNREFUSED');
      expect({ exited, unanswered }).toEqual({ exited: true, unanswered: [] });
      expect(answered.filter((o) => !(o.result === 200 || (o.result === 503 && o.retryAfter && o.connection === 'close')))).toEqual([]);
      // The window the test is about was exercised: requests sent after the signal got their answers.
      expect(answered.filter((o) => o.sentAfterSignal).length).toBeGreaterThan(0);
    } finally {
      await cleanup.run();
    }
  });

  it('finishes the gRPC calls in flight at SIGTERM; later calls find it gone (UNAVAILABLE), none is cut', async () => {
    const cleanup = new Cleanup();
    try {
      const { shared, registry, model } = await registryServing(cleanup, 'grpc-drain');
      const grpcPort = await freePort();
      const gateway = await AppProcess.gateway({
        ...shared,
        REGISTRY_URL: registry.url,
        GATEWAY_CACHE_DIR: path.join(testRun().workDir, `gateway-cache-${uniqueSuffix()}`),
        GATEWAY_GRPC_PORT: String(grpcPort),
      });
      cleanup.defer(() => gateway.stop('SIGKILL'));

      const definition = loadSync(path.join(__dirname, '..', 'proto', 'open_inference_grpc.proto'), { keepCase: true, longs: String });
      const Service = (loadPackageDefinition(definition) as any).inference.GRPCInferenceService;
      const request = { model_name: model, inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 1], contents: { fp32_contents: [1] } }] };
      const metadata = new Metadata();
      metadata.set('authorization', `Bearer ${testAdminKey()}`);
      const infer = (stub: any) => new Promise<ServiceError | null>((resolve) => stub.ModelInfer(request, metadata, { deadline: Date.now() + 10_000 }, resolve));
      const probe = new Service(`127.0.0.1:${grpcPort}`, credentials.createInsecure());
      cleanup.defer(async () => probe.close());
      await eventually(() => infer(probe), (error) => error === null, 20_000);

      let signalled = false;
      const outcomes: { code: number; answeredAfterSignal: boolean }[] = [];
      const deadline = Date.now() + 60_000;
      // Eight channels, each its own connection, calling as fast as they are answered until refused.
      const clients = Array.from({ length: 8 }, async () => {
        const stub = new Service(`127.0.0.1:${grpcPort}`, credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 });
        try {
          while (Date.now() < deadline) {
            const error = await infer(stub);
            outcomes.push({ code: error?.code ?? status.OK, answeredAfterSignal: signalled });
            if (error?.code === status.UNAVAILABLE) return;
          }
        } finally {
          stub.close();
        }
      });
      // gRPC's health service, watched as a client-side health check watches it: SERVING now, and
      // NOT_SERVING as soon as shutdown begins (the watch is then cancelled, as such a client moves on).
      const health = new (makeGenericClientConstructor(healthService as ServiceDefinition, 'Health'))(`127.0.0.1:${grpcPort}`, credentials.createInsecure()) as any;
      cleanup.defer(async () => health.close());
      const watched: string[] = [];
      const watch = health.watch({ service: '' });
      watch.on('data', ({ status: serving }: { status: string }) => {
        watched.push(serving);
        if (serving === 'NOT_SERVING' && signalled) watch.cancel();
      });
      watch.on('error', () => undefined);
      // Its first answer may still be NOT_SERVING: the status follows readiness within a second.
      const servingSince = (await eventually(async () => [...watched], (seen) => seen.at(-1) === 'SERVING', 20_000)).length;
      await eventually(async () => outcomes.filter((o) => o.code === status.OK).length, (n) => n >= 200, 30_000);
      signalled = true;
      process.kill(gateway.pid!, 'SIGTERM');
      await Promise.all(clients);
      const exited = await eventually(async () => !gateway.running, (done) => done, 30_000);
      expect(watched.slice(servingSince)).toEqual(['NOT_SERVING']);

      expect({ exited, neither: outcomes.filter((o) => o.code !== status.OK && o.code !== status.UNAVAILABLE) }).toEqual({ exited: true, neither: [] });
      // Each channel had a call in flight when the signal was sent: those were answered, not cut.
      expect(outcomes.filter((o) => o.answeredAfterSignal && o.code === status.OK).length).toBeGreaterThan(0);
    } finally {
      await cleanup.run();
    }
  });
});
