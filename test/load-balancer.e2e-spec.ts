/**
 * The load balancer of docker-compose.yml, for real: Debian's nginx (installed here when missing)
 * runs deploy/docker/nginx.conf — with only its container-specific lines swapped for loopback ones,
 * see test/support/nginx.ts — in front of two gateway processes. Which replica answered is read from
 * the shipped access log format (`upstream=$upstream_addr`); nothing is added to the gateway or to
 * the proxy settings for the test.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { credentials, loadPackageDefinition, Metadata } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { buildAffine } from '@switchyard/onnx/testing';
import { eventually } from './support/artifacts';
import { call } from './support/client';
import { createModel, uploadReadyVersion } from './support/fixtures';
import { fileStoreEnv, type RunningApp, startRegistry } from './support/http-app';
import { createIsolatedDatabase, dropIsolatedDatabase, isolatedRedisPrefix } from './support/isolation';
import {
  ensureNginx,
  loopbackNginxConf,
  parseAccessLine,
  type RunningNginx,
  SHIPPED_NGINX_CONF,
  startNginx,
} from './support/nginx';
import { freePort, runNode, type Spawned, stop, waitForHttp } from './support/processes';
import { testRun, uniqueSuffix } from './support/test-env';

const INPUT = { instances: [[0, 0, 0, 0]] };

describe('nginx (deploy/docker/nginx.conf) in front of two gateway processes', () => {
  let databaseUrl: string | undefined;
  let registry: RunningApp | undefined;
  const gateways: Record<'a' | 'b', { port: number; grpcPort: number; process?: Spawned }> = { a: { port: 0, grpcPort: 0 }, b: { port: 0, grpcPort: 0 } };
  let nginx: RunningNginx | undefined;
  let model: string;
  let runId = 0;

  const upstreamOf = (replica: 'a' | 'b') => `127.0.0.1:${gateways[replica].port}`;
  /**
   * Access-log lines by request id: the final upstream is the replica that answered. nginx writes a
   * request's line in its log phase, after the response has gone out, so a client can hold the
   * answer before the line is written: wait (generously) until every id asked for has its line.
   */
  const logByRequestId = (ids: string[]) =>
    eventually(
      async () => {
        const lines = new Map<string, NonNullable<ReturnType<typeof parseAccessLine>>>();
        for (const line of nginx!.accessLog()) {
          const parsed = parseAccessLine(line);
          if (parsed && parsed.requestId !== '-') lines.set(parsed.requestId, parsed);
        }
        return lines;
      },
      (lines) => ids.every((id) => lines.has(id)),
      15_000,
    );
  const predict = (routingKey: string, requestId: string) =>
    call(`${nginx!.url}/v1/models/${model}/predict`, {
      method: 'POST',
      json: INPUT,
      headers: { 'x-routing-key': routingKey, 'x-request-id': requestId },
    });

  // Installing nginx (first run on a fresh machine) may take a while; bounded inside ensureNginx.
  beforeAll(() => {
    ensureNginx();
  }, 600_000);

  beforeAll(async () => {
    databaseUrl = await createIsolatedDatabase();
    const redisPrefix = isolatedRedisPrefix();
    registry = await startRegistry({ DATABASE_URL: databaseUrl, REDIS_PREFIX: redisPrefix, ...fileStoreEnv(), LOG_LEVEL: 'warn' });

    model = await createModel(registry.url, 'lb');
    for (const bias of [1, 2]) await uploadReadyVersion(registry.url, model, buildAffine({ scale: 1, bias, features: 4 }), databaseUrl);
    await call(`${registry.url}/v1/models/${model}/aliases/champion`, { method: 'PUT', json: { version: 1 } });
    await call(`${registry.url}/v1/models/${model}/aliases/challenger`, { method: 'PUT', json: { version: 2 } });
    const traffic = await call(`${registry.url}/v1/models/${model}/traffic`, {
      method: 'PUT',
      json: { challenger_percent: 50 },
      headers: { 'if-match': '"2"' },
    });
    expect(traffic.status).toBe(200);

    for (const replica of ['a', 'b'] as const) {
      gateways[replica].port = await freePort();
      gateways[replica].grpcPort = await freePort();
      gateways[replica].process = runNode('apps/gateway/src/main.js', {
        HOST: '127.0.0.1',
        GATEWAY_PORT: String(gateways[replica].port),
        GATEWAY_GRPC_PORT: String(gateways[replica].grpcPort),
        GATEWAY_REPLICA_ID: `gateway-${replica}`,
        REGISTRY_URL: registry.url,
        DATABASE_URL: databaseUrl,
        REDIS_PREFIX: redisPrefix,
        GATEWAY_CACHE_DIR: path.join(testRun().workDir, `lb-cache-${replica}-${uniqueSuffix()}`),
        DEPLOYMENT_POLL_MS: '500',
        LOG_LEVEL: 'warn',
      });
    }
    for (const replica of ['a', 'b'] as const) await waitForHttp(`http://127.0.0.1:${gateways[replica].port}/health/ready`, 20_000);

    // Both replicas serve the current revision before any request goes through nginx.
    const deadline = Date.now() + 15_000;
    for (;;) {
      const deployment = await call(`${registry.url}/v1/models/${model}/deployment`);
      const serving = (deployment.body.rollout ?? []).filter((r: { serving_revision: number }) => r.serving_revision === deployment.body.revision);
      if (serving.length === 2) break;
      if (Date.now() > deadline) throw new Error(`gateways did not load revision ${deployment.body.revision}: ${JSON.stringify(deployment.body.rollout)}`);
      await new Promise((r) => setTimeout(r, 100));
    }

    nginx = await startNginx([gateways.a.port, gateways.b.port], [gateways.a.grpcPort, gateways.b.grpcPort]);
  }, 60_000);

  afterAll(async () => {
    await nginx?.close();
    for (const replica of ['a', 'b'] as const) if (gateways[replica].process) await stop(gateways[replica].process!);
    await registry?.close();
    if (databaseUrl) await dropIsolatedDatabase(databaseUrl);
    if (nginx) fs.rmSync(nginx.dir, { recursive: true, force: true });
  }, 30_000);

  it('runs the shipped config: only the container-specific lines differ', () => {
    const shipped = fs.readFileSync(SHIPPED_NGINX_CONF, 'utf8');
    const tested = fs.readFileSync(path.join(nginx!.dir, 'nginx.conf'), 'utf8');
    const lines = (text: string) => new Set(text.split('\n').map((l) => l.trim()).filter(Boolean));
    const [shippedLines, testedLines] = [lines(shipped), lines(tested)];
    const removed = [...shippedLines].filter((l) => !testedLines.has(l));
    const added = [...testedLines].filter((l) => !shippedLines.has(l));
    expect(removed.map((l) => l.split(/\s+/)[0])).toEqual(['error_log', 'pid', 'access_log', 'resolver', 'server', 'server', 'listen', 'listen']);
    expect(removed).toContain('server gateway:8080 resolve max_fails=1 fail_timeout=5s;');
    expect(removed).toContain('server gateway:8081 resolve max_fails=1 fail_timeout=5s;');
    expect(added.filter((l) => !/^\w+_temp_path /.test(l))).toEqual([
      expect.stringMatching(/^error_log \S+\/error\.log warn;$/),
      expect.stringMatching(/^access_log \S+\/access\.log switchyard;$/),
      `server ${upstreamOf('a')} max_fails=1 fail_timeout=5s;`,
      `server ${upstreamOf('b')} max_fails=1 fail_timeout=5s;`,
      `server 127.0.0.1:${gateways.a.grpcPort} max_fails=1 fail_timeout=5s;`,
      `server 127.0.0.1:${gateways.b.grpcPort} max_fails=1 fail_timeout=5s;`,
      `listen ${nginx!.url.slice('http://'.length)};`,
      `listen ${nginx!.grpcAddress} http2;`,
    ]);
    // The retry policy the failover test relies on is the shipped one.
    expect(testedLines).toContain('proxy_next_upstream error timeout http_502 http_503 non_idempotent;');
    // And the generator is pure: the same input gives the same text.
    expect(loopbackNginxConf(shipped, { port: 1, upstreamPorts: [2, 3], grpcPort: 4, grpcUpstreamPorts: [5, 6], dir: '/x' })).toContain('server 127.0.0.1:3 max_fails=1 fail_timeout=5s;');
  });

  it('passes gRPC calls (listen 8081 http2, grpc_pass) to both replicas, metadata and all', async () => {
    const definition = loadSync(path.join(__dirname, '..', 'apps', 'gateway', 'proto', 'open_inference_grpc.proto'), { keepCase: true, longs: String, defaults: true });
    const service = (loadPackageDefinition(definition) as any).inference.GRPCInferenceService;
    const client = new service(nginx!.grpcAddress, credentials.createInsecure());
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${process.env.SWITCHYARD_BOOTSTRAP_ADMIN_KEY}`);
    metadata.set('x-switchyard-variant', 'challenger');
    const request = { model_name: model, inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], contents: { fp32_contents: [0, 0, 0, 0] } }] };
    const run = `grpc-${++runId}-${uniqueSuffix()}`;
    const infer = (requestId: string) =>
      new Promise<{ output: number[]; version: string }>((resolve, reject) => {
        let version = '';
        const callMetadata = metadata.clone();
        callMetadata.set('x-request-id', requestId);
        const pending = client.ModelInfer(request, callMetadata, (error: Error | null, response: any) =>
          error ? reject(error) : resolve({ output: response.outputs[0].contents.fp32_contents, version }),
        );
        pending.on('metadata', (headers: Metadata) => (version = String(headers.get('x-switchyard-version')[0])));
      });
    try {
      // One client connection, several calls: nginx balances gRPC per call, so both replicas answer.
      const ids = Array.from({ length: 4 }, (_, i) => `${run}-${i}`);
      for (const id of ids) expect(await infer(id)).toEqual({ output: [2, 2, 2, 2], version: '2' });
      const log = await logByRequestId(ids);
      const upstreams = new Set(ids.map((id) => log.get(id)?.upstreams.at(-1)));
      expect(upstreams).toEqual(new Set([`127.0.0.1:${gateways.a.grpcPort}`, `127.0.0.1:${gateways.b.grpcPort}`]));
    } finally {
      client.close();
    }
  });

  it('spreads 200 requests over both replicas', async () => {
    const run = `spread-${++runId}-${uniqueSuffix()}`;
    const ids = Array.from({ length: 200 }, (_, i) => `${run}-${i}`);
    // 10 concurrent clients.
    const statuses: number[] = [];
    for (let i = 0; i < ids.length; i += 10) {
      const answers = await Promise.all(ids.slice(i, i + 10).map((id, j) => predict(`spread-key-${i + j}`, id)));
      statuses.push(...answers.map((a) => a.status));
    }
    expect(statuses.filter((s) => s !== 200)).toEqual([]);

    const log = await logByRequestId(ids);
    const counts = { a: 0, b: 0, other: 0 };
    for (const id of ids) {
      const line = log.get(id);
      const last = line?.upstreams.at(-1);
      if (last === upstreamOf('a')) counts.a++;
      else if (last === upstreamOf('b')) counts.b++;
      else counts.other++;
    }
    expect(counts.other).toBe(0);
    // Round-robin: each replica gets a substantial share (exactly half, give or take).
    expect(counts.a).toBeGreaterThanOrEqual(70);
    expect(counts.b).toBeGreaterThanOrEqual(70);
  });

  it('keeps sticky assignment through the balancer: 100 keys × 3 requests, each key always one variant, across replicas', async () => {
    const run = `sticky-${++runId}-${uniqueSuffix()}`;
    const seen = new Map<string, { variants: Set<string>; versions: Set<number>; ids: string[] }>();
    // Key after key, one request at a time: nginx's round-robin alternates replicas, so each key's
    // three requests are split over both gateways (checked below from the access log).
    for (let k = 0; k < 100; k++) {
      const key = `${run}-customer-${k}`;
      const entry = { variants: new Set<string>(), versions: new Set<number>(), ids: [] as string[] };
      seen.set(key, entry);
      for (let n = 0; n < 3; n++) {
        const id = `${key}-${n}`;
        const answer = await predict(key, id);
        expect(answer.status).toBe(200);
        entry.variants.add(answer.body.variant);
        entry.versions.add(answer.body.version);
        entry.ids.push(id);
      }
    }
    const log = await logByRequestId([...seen.values()].flatMap((entry) => entry.ids));
    let keysOnBothReplicas = 0;
    const variantCounts: Record<string, number> = {};
    for (const [key, entry] of seen) {
      expect({ key, variants: [...entry.variants] }).toEqual({ key, variants: [expect.any(String)] });
      const [variant] = entry.variants;
      expect([...entry.versions]).toEqual([variant === 'champion' ? 1 : 2]);
      variantCounts[variant] = (variantCounts[variant] ?? 0) + 1;
      const replicas = new Set(entry.ids.map((id) => log.get(id)?.upstreams.at(-1)));
      expect({ key, replicas: [...replicas].filter((r) => r !== upstreamOf('a') && r !== upstreamOf('b')) }).toEqual({ key, replicas: [] });
      if (replicas.size === 2) keysOnBothReplicas++;
    }
    // The assignment comes from the routing key, not from the balancer: keys were served by both
    // replicas and still never changed variant.
    expect(keysOnBothReplicas).toBeGreaterThanOrEqual(90);
    // 50 %: both variants are in use (binomial(100, 0.5) stays within 25..75 with overwhelming odds).
    expect(variantCounts.champion).toBeGreaterThanOrEqual(25);
    expect(variantCounts.challenger).toBeGreaterThanOrEqual(25);
  });

  it('takes a stopped replica out without a failed request (8 concurrent clients, SIGTERM to one gateway mid-stream)', async () => {
    const run = `failover-${++runId}-${uniqueSuffix()}`;
    const failures: string[] = [];
    const sent: { id: string; at: number }[] = [];
    let running = true;
    let counter = 0;
    const client = async (c: number) => {
      while (running) {
        const id = `${run}-${counter++}`;
        sent.push({ id, at: Date.now() });
        try {
          const answer = await predict(`failover-key-${c}-${counter}`, id);
          if (answer.status !== 200) failures.push(`${id}: ${answer.status} ${JSON.stringify(answer.body)}`);
        } catch (error) {
          failures.push(`${id}: ${String(error)}`);
        }
      }
    };
    const clients = Array.from({ length: 8 }, (_, c) => client(c));

    // A second of traffic over both replicas before the stop, and 1.5 s after it; on a busy machine,
    // longer, until each side holds more than fifty requests (nothing here depends on the rate).
    const streamedFrom = Date.now();
    await eventually(async () => counter, (n) => n > 50 && Date.now() - streamedFrom >= 1_000, 20_000);
    const beforeStop = counter;
    const sigtermAt = Date.now();
    const exitCode = await stop(gateways.b.process!, 'SIGTERM');
    const stoppedAt = Date.now();
    await eventually(
      async () => sent.filter((s) => s.at > stoppedAt).length,
      (n) => n > 50 && Date.now() - stoppedAt >= 1_500,
      20_000,
    );
    running = false;
    await Promise.all(clients);

    expect(failures).toEqual([]);
    // Nest's shutdown hooks close the app, then re-raise the signal: a graceful stop ends with
    // SIGTERM (or code 0). Under heavy load (several suites at once) a gateway has been seen not to
    // finish closing within stop()'s 10 s grace and was SIGKILLed: still a stopped replica for nginx,
    // and still no failed request, but reported here, since it is the gateway's shutdown to fix.
    const child = gateways.b.process!.child;
    expect([0, 'SIGTERM', 'SIGKILL']).toContain(exitCode ?? child.signalCode);
    if (child.signalCode === 'SIGKILL') {
      console.warn(`gateway-b did not exit within 10 s of SIGTERM and was killed; its output:\n${gateways.b.process!.output()}`);
    }
    expect(beforeStop).toBeGreaterThan(50);
    expect(sent.length - beforeStop).toBeGreaterThan(50);

    const log = await logByRequestId(sent.map((s) => s.id));
    const lines = sent.map((s) => ({ ...s, line: log.get(s.id) }));
    expect(lines.filter((l) => !l.line || l.line.status !== 200)).toEqual([]);
    // Both replicas answered before the stop; only gateway-a after it had exited.
    const before = lines.filter((l) => l.at < stoppedAt - 100);
    expect(new Set(before.map((l) => l.line!.upstreams.at(-1)))).toEqual(new Set([upstreamOf('a'), upstreamOf('b')]));
    const after = lines.filter((l) => l.at > stoppedAt);
    expect(after.length).toBeGreaterThan(50);
    expect(after.every((l) => l.line!.upstreams.at(-1) === upstreamOf('a'))).toBe(true);
    // Requests that nginx first sent to the stopping replica and then retried on the other one.
    const retried = lines.filter((l) => l.line!.upstreams.length > 1);
    console.info(
      `failover: gateway-b exited ${stoppedAt - sigtermAt} ms after SIGTERM; ${sent.length} requests (${beforeStop} before SIGTERM), 0 failed, ${retried.length} retried by nginx: ` +
        JSON.stringify(retried.slice(0, 5).map((l) => ({ upstreams: l.line!.upstreams, statuses: l.line!.upstreamStatuses }))),
    );
  });
});
