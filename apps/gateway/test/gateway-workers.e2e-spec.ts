import { readFile } from 'node:fs/promises';
import * as http from 'node:http';
import * as path from 'node:path';
import { buildAffine } from '@switchyard/onnx/testing';
import { eventually } from '../../../test/support/artifacts';
import { call, testAdminKey } from '../../../test/support/client';
import { createModel, uploadReadyVersion } from '../../../test/support/fixtures';
import { fileStoreEnv, type RunningApp, startRegistry } from '../../../test/support/http-app';
import { createIsolatedDatabase, dropIsolatedDatabase, isolatedRedisPrefix } from '../../../test/support/isolation';
import { AppProcess, Cleanup } from '../../../test/support/owned-services';
import { testRun, uniqueSuffix } from '../../../test/support/test-env';

interface Answer {
  /** An HTTP status, or the error code of a request that got none. */
  result: number | string;
  body: string;
  retryAfter?: string;
  connection?: string;
  sentAfterSignal: boolean;
}

/** One request; `agent` false opens a connection of its own, which the cluster hands to the next worker. */
function request(url: URL, options: { method?: string; body?: string; agent: http.Agent | false; signalled?: () => boolean }): Promise<Answer> {
  const sentAfterSignal = options.signalled?.() ?? false;
  return new Promise((resolve) => {
    const outgoing = http.request(
      url,
      {
        method: options.method ?? 'GET',
        agent: options.agent,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${testAdminKey()}` },
        timeout: 10_000,
      },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () =>
          resolve({ result: response.statusCode ?? 0, body, retryAfter: response.headers['retry-after'], connection: response.headers.connection, sentAfterSignal }),
        );
        response.on('error', (error: NodeJS.ErrnoException) => resolve({ result: error.code ?? error.message, body, sentAfterSignal }));
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(Object.assign(new Error('timed out'), { code: 'TIMEOUT' })));
    outgoing.on('error', (error: NodeJS.ErrnoException) => resolve({ result: error.code ?? error.message, body: '', sentAfterSignal }));
    outgoing.end(options.body);
  });
}

/** The PIDs of a process's children (its cluster workers), from /proc. */
async function childrenOf(pid: number): Promise<number[]> {
  const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  return text.trim().split(/\s+/).filter(Boolean).map(Number).sort();
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The value of the series `name` with exactly these labels in Prometheus text, in whatever order they are written. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^(\w+)\{(.*)\} (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...match[2].matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.keys(found).length === Object.keys(labels).length && Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(match[3]);
  }
  return undefined;
}

describe('GATEWAY_WORKERS: several gateway workers behind one port', () => {
  jest.setTimeout(180_000);
  const cleanup = new Cleanup();
  const replica = `workers-${uniqueSuffix()}`;
  const replicas = [`${replica}-w1`, `${replica}-w2`];
  let registry: RunningApp;
  let gateway: AppProcess;
  let model: string;
  /** Readiness answers (200) this test has had from the gateway, for the aggregated request counter. */
  let readyAnswers = 0;

  /** Readiness on `count` fresh connections: which replicas answered. */
  const readinessReplicas = async (count: number): Promise<Set<string>> => {
    const seen = new Set<string>();
    for (let i = 0; i < count; i++) {
      const answer = await request(new URL(`${gateway.url}/health/ready`), { agent: false });
      if (answer.result !== 200) continue;
      readyAnswers++;
      seen.add((JSON.parse(answer.body) as { info: { models: { replica: string } } }).info.models.replica);
    }
    return seen;
  };

  beforeAll(async () => {
    const databaseUrl = await createIsolatedDatabase();
    cleanup.defer(() => dropIsolatedDatabase(databaseUrl));
    const shared = { DATABASE_URL: databaseUrl, REDIS_PREFIX: isolatedRedisPrefix() };
    registry = await startRegistry({ ...shared, ...fileStoreEnv() });
    cleanup.defer(() => registry.close());
    model = await createModel(registry.url, 'workers');
    await uploadReadyVersion(registry.url, model, buildAffine({ scale: 1, bias: 1, features: 1 }), databaseUrl);
    expect((await call(`${registry.url}/v1/models/${model}/aliases/champion`, { method: 'PUT', json: { version: 1 } })).status).toBe(200);

    gateway = await AppProcess.gateway(
      {
        ...shared,
        REGISTRY_URL: registry.url,
        GATEWAY_CACHE_DIR: path.join(testRun().workDir, `gateway-cache-${uniqueSuffix()}`),
        GATEWAY_WORKERS: '2',
        GATEWAY_REPLICA_ID: replica,
      },
      undefined,
      120_000,
    );
    // The primary and both workers, whatever happens to the tests below.
    cleanup.defer(() => gateway.stop('SIGKILL'));
  });

  afterAll(() => cleanup.run());

  it('runs two workers on one port; each serves and reports its own rollout row and readiness', async () => {
    const rollout = await eventually(
      () => call(`${registry.url}/v1/models/${model}/deployment`),
      (answer) => replicas.every((r) => answer.body.rollout?.some((row: { replica: string; serving_revision: number }) => row.replica === r && row.serving_revision === answer.body.revision)),
      60_000,
    );
    expect(rollout.body.rollout.map((row: { replica: string }) => row.replica).sort()).toEqual(replicas);
    expect(await childrenOf(gateway.pid!)).toHaveLength(2);

    const seen = await eventually(() => readinessReplicas(10), (s) => s.size === 2, 60_000);
    expect([...seen].sort()).toEqual(replicas);

    const url = new URL(`${gateway.url}/v1/models/${model}/predict`);
    const answers = await Promise.all(Array.from({ length: 20 }, () => request(url, { method: 'POST', body: JSON.stringify({ instances: [[2]] }), agent: false })));
    expect(answers.map((a) => a.result)).toEqual(Array(20).fill(200));
    expect(JSON.parse(answers[0].body)).toMatchObject({ outputs: { y: [[3]] }, variant: 'champion' });
  });

  it('answers /metrics for both workers, aggregated', async () => {
    // Both workers answered readiness above; the counter summed over both counts every answer.
    const ready = { method: 'GET', route: '/health/ready', status: '200' };
    const scraped = await eventually(
      async () => (await request(new URL(`${gateway.url}/metrics`), { agent: false })).body,
      (text) => sample(text, 'http_request_duration_seconds_count', ready) === readyAnswers,
      30_000,
    );
    expect(sample(scraped, 'http_request_duration_seconds_count', ready)).toBe(readyAnswers);
    expect(sample(scraped, 'switchyard_predictions_total', { model, version: '1', variant: 'champion', status: 'ok' })).toBe(20);
  });

  it('starts a worker that died again, under the same replica id', async () => {
    const [victim, survivor] = await childrenOf(gateway.pid!);
    process.kill(victim, 'SIGKILL');
    const workers = await eventually(() => childrenOf(gateway.pid!), (pids) => pids.length === 2 && !pids.includes(victim), 60_000);
    expect(workers).toContain(survivor);
    expect(workers).not.toContain(victim);
    const seen = await eventually(() => readinessReplicas(10), (s) => s.size === 2, 60_000);
    expect([...seen].sort()).toEqual(replicas);
  });

  it('drains every worker on SIGTERM without failing a request, then exits by itself', async () => {
    const workers = await childrenOf(gateway.pid!);
    const url = new URL(`${gateway.url}/v1/models/${model}/predict`);
    let signalled = false;
    const outcomes: Answer[] = [];
    const body = JSON.stringify({ instances: [[1]] });
    const loadDeadline = Date.now() + 60_000;
    // Eight clients on keep-alive sockets, sending as fast as they are answered, until the port
    // refuses connections (every worker has stopped listening), or the bound.
    const clients = Array.from({ length: 8 }, async () => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      try {
        while (Date.now() < loadDeadline) {
          const outcome = await request(url, { method: 'POST', body, agent, signalled: () => signalled });
          outcomes.push(outcome);
          if (outcome.result === 'ECONNREFUSED') return;
        }
      } finally {
        agent.destroy();
      }
    });
    await eventually(async () => outcomes.filter((o) => o.result === 200).length, (n) => n >= 200, 30_000);
    signalled = true;
    process.kill(gateway.pid!, 'SIGTERM');
    await Promise.all(clients);
    const exited = await eventually(async () => !gateway.running, (done) => done, 60_000);

    const answered = outcomes.filter((o) => typeof o.result === 'number');
    const unanswered = outcomes.filter((o) => typeof o.result !== 'number' && o.result !== 'ECONNREFUSED').map((o) => o.result);
    expect({ exited, unanswered, workersLeft: workers.filter(isAlive) }).toEqual({ exited: true, unanswered: [], workersLeft: [] });
    expect(answered.filter((o) => !(o.result === 200 || (o.result === 503 && o.retryAfter && o.connection === 'close')))).toEqual([]);
    expect(answered.filter((o) => o.sentAfterSignal).length).toBeGreaterThan(0);
  });
});
