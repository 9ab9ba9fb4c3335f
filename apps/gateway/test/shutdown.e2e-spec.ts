import * as http from 'node:http';
import * as path from 'node:path';
import { buildAffine } from '@switchyard/onnx/testing';
import { eventually } from '../../../test/support/artifacts';
import { call, testAdminKey } from '../../../test/support/client';
import { createModel, uploadReadyVersion } from '../../../test/support/fixtures';
import { fileStoreEnv, startRegistry } from '../../../test/support/http-app';
import { createIsolatedDatabase, dropIsolatedDatabase, isolatedRedisPrefix } from '../../../test/support/isolation';
import { AppProcess, Cleanup } from '../../../test/support/owned-services';
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

describe('gateway shutdown under load', () => {
  jest.setTimeout(120_000);

  it('answers every request that reached it after SIGTERM (no connection reset), then exits by itself', async () => {
    const cleanup = new Cleanup();
    try {
      const databaseUrl = await createIsolatedDatabase();
      cleanup.defer(() => dropIsolatedDatabase(databaseUrl));
      const shared = { DATABASE_URL: databaseUrl, REDIS_PREFIX: isolatedRedisPrefix() };
      const registry = await startRegistry({ ...shared, ...fileStoreEnv() });
      cleanup.defer(() => registry.close());
      const model = await createModel(registry.url, 'drain');
      await uploadReadyVersion(registry.url, model, buildAffine({ scale: 1, bias: 1, features: 1 }), databaseUrl);
      expect((await call(`${registry.url}/v1/models/${model}/aliases/champion`, { method: 'PUT', json: { version: 1 } })).status).toBe(200);

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
});
