import { spawn } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { dropDatabase, ensureDatabase, runMigrations } from '@switchyard/persistence';
import { captured, freePort, freePortPair, runNode, type Spawned, stop, waitForHttp } from '../test/support/processes';
import { series } from './gateway-metrics';
import { call, expectStatus, poll } from './http';
import { type BenchModels, HEAVY, LIGHT, LIGHT_PREDICT_BODY } from './models';
import { deleteRedisKeys } from './redis-keys';

export interface Gateway {
  replica: string;
  url: string;
  /** host:port of its gRPC server: the first gateway only (scenario 3), the others run without one. */
  grpcAddress: string | null;
  process: Spawned;
}

/**
 * The system under test and everything the bench starts for it on loopback: a fresh database and Redis
 * prefix, a registry, a worker and one or two gateways (`dist/apps/*`), and a temporary directory for
 * artifacts and gateway caches. `cleanup` stops every process it started by PID and removes the rest.
 */
export class SystemUnderTest {
  readonly work = path.join(os.tmpdir(), `switchyard-bench-${process.pid}`);
  readonly databaseUrl: string;
  readonly redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0';
  readonly prefix = `sybench-${process.pid}`;
  /** Scenario 8's own prefix: the bench's worker must not spend the rest of the run validating its filler. */
  readonly uploadPrefix = `${this.prefix}-upload`;
  registryUrl = '';
  readonly gateways: Gateway[] = [];
  /** Where the first gateway writes its CPU profile of scenario 1, when one is taken. */
  profileFile: string | null = null;
  private readonly spawned = new Set<Spawned>();
  private databaseCreated = false;
  private gatewayPort = 0;
  private worker: Spawned | null = null;
  private registry: Spawned | null = null;
  private cleaned = false;

  /** `profileDir`: take a CPU profile of the first gateway, into this directory. */
  constructor(
    readonly models: BenchModels,
    private readonly profileDir: string | null,
  ) {
    const base = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/switchyard');
    base.pathname = `/switchyard_bench_${process.pid}`;
    this.databaseUrl = base.toString();
  }

  /** `dist`: the build to run the entry from (bench/side-by-side.ts compares two); this one by default. */
  run(entry: string, env: Record<string, string>, dist?: string): Spawned {
    const spawned = runNode(entry, env, dist);
    this.spawned.add(spawned);
    void spawned.exited.then(() => this.spawned.delete(spawned));
    return spawned;
  }

  /** Any command (valgrind around a server, say), stopped by PID at cleanup like every other process started here. */
  runCommand(command: string, args: string[], env: Record<string, string>): Spawned {
    const spawned = captured(spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }));
    this.spawned.add(spawned);
    void spawned.exited.then(() => this.spawned.delete(spawned));
    return spawned;
  }

  /** The worker's PID, once started: its CPU per prediction is the prediction log's price on the shared cores. */
  get workerPid(): number | undefined {
    return this.worker?.child.pid;
  }

  async stopProcess(spawned: Spawned | null): Promise<void> {
    if (!spawned) return;
    await stop(spawned);
    this.spawned.delete(spawned);
  }

  private commonEnv(): Record<string, string> {
    return {
      DATABASE_URL: this.databaseUrl,
      REDIS_URL: this.redisUrl,
      REDIS_PREFIX: this.prefix,
      ARTIFACT_STORE_URL: `file://${path.join(this.work, 'artifacts')}`,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      // The scenarios measure serving and hot swap, comparable with earlier runs; the key check is
      // measured once, beside scenario 1 (row 1c).
      AUTH_ENABLED: 'false',
    };
  }

  /** The worker's settings on this system. */
  workerEnv(port: number): Record<string, string> {
    return { ...this.commonEnv(), WORKER_PORT: String(port) };
  }

  /** Stops the worker started with the system (bench:instructions counts one of its own in its place). */
  async stopWorker(): Promise<void> {
    await this.stopProcess(this.worker);
    this.worker = null;
  }

  /** A gateway's settings on this system (replica id, port, cache, registry, one worker, no gRPC). */
  gatewayEnv(replica: string, port: number): Record<string, string> {
    return {
      ...this.commonEnv(),
      GATEWAY_PORT: String(port),
      GATEWAY_REPLICA_ID: replica,
      GATEWAY_CACHE_DIR: path.join(this.work, `cache-${replica}`),
      REGISTRY_URL: this.registryUrl,
      GATEWAY_GRPC_PORT: '0',
      // One process per gateway, whatever the machine: the scenarios compare with one bare process;
      // scenario 2 measures workers on a gateway of its own (workersGateway).
      GATEWAY_WORKERS: '1',
    };
  }

  async prepareDatabase(): Promise<void> {
    await ensureDatabase(this.databaseUrl);
    this.databaseCreated = true;
    await runMigrations(this.databaseUrl);
  }

  /** The registry, the worker, the models registered and validated, and the first gateway serving them. */
  async start(): Promise<void> {
    const [registryPort, workerPort] = [await freePort(), await freePort()];
    this.gatewayPort = await freePortPair();
    this.registryUrl = `http://127.0.0.1:${registryPort}`;
    this.registry = this.run('apps/registry/src/main.js', { ...this.commonEnv(), REGISTRY_PORT: String(registryPort) });
    await waitForHttp(`${this.registryUrl}/health/ready`).catch((error: unknown) => {
      throw new Error(`registry did not start: ${(error as Error).message}\n${this.registry!.output()}`);
    });
    this.worker = this.run('apps/worker/src/main.js', this.workerEnv(workerPort));
    await waitForHttp(`http://127.0.0.1:${workerPort}/health/ready`).catch((error: unknown) => {
      throw new Error(`worker did not start: ${(error as Error).message}\n${this.worker!.output()}`);
    });
    await this.registerModels();
    await this.startGateway(0);
  }

  private async startGateway(index: number): Promise<void> {
    const replica = `gateway-${index + 1}`;
    const port = this.gatewayPort + index;
    const profiled = index === 0 && this.profileDir !== null;
    if (profiled) {
      await mkdir(this.profileDir!, { recursive: true });
      this.profileFile = path.join(this.profileDir!, `gateway-scenario1-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`);
    }
    const grpcPort = index === 0 ? await freePort() : 0;
    const gateway = this.run(profiled ? 'bench/profiled-gateway.js' : 'apps/gateway/src/main.js', {
      ...this.gatewayEnv(replica, port),
      GATEWAY_GRPC_PORT: String(grpcPort),
      DEPLOYMENT_POLL_MS: '1000',
      ...(profiled ? { BENCH_PROFILE_FILE: this.profileFile! } : {}),
    });
    const url = `http://127.0.0.1:${port}`;
    this.gateways[index] = { replica, url, grpcAddress: grpcPort === 0 ? null : `127.0.0.1:${grpcPort}`, process: gateway };
    await waitForHttp(`${url}/health/ready`).catch((error: unknown) => {
      throw new Error(`${replica} did not become ready: ${(error as Error).message}\n${gateway.output()}`);
    });
    for (const model of [LIGHT, HEAVY]) await this.waitForRollout(model);
  }

  /** The second replica (port P+1), for the scenarios that use two; started once. */
  async ensureSecondGateway(): Promise<void> {
    if (!this.gateways[1]) await this.startGateway(1);
  }

  async stopSecondGateway(): Promise<void> {
    if (!this.gateways[1]) return;
    await this.stopProcess(this.gateways[1].process);
    this.gateways.length = 1;
  }

  /** A gateway beside the measured ones, with its own settings (and build: `dist`); it is not counted in rollouts. */
  async extraGateway(replica: string, env: Record<string, string>, headers: Record<string, string> = {}, dist?: string): Promise<{ url: string; process: Spawned }> {
    const port = await freePort();
    const gateway = this.run('apps/gateway/src/main.js', { ...this.gatewayEnv(replica, port), ...env }, dist);
    const url = `http://127.0.0.1:${port}`;
    await poll(`${replica} serving ${LIGHT}`, 30_000, async () => {
      const answer = await fetch(`${url}/v1/models/${LIGHT}/predict`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: LIGHT_PREDICT_BODY }).catch(() => null);
      return answer?.status === 200 ? true : undefined;
    }).catch((error: unknown) => {
      throw new Error(`${replica} did not serve: ${(error as Error).message}\n${gateway.output()}`);
    });
    return { url, process: gateway };
  }

  /**
   * The bare server (bench/bare-server.ts) on the light model's version 1, `workers` of it on one port
   * (a node:cluster beyond 1): the baseline of `npm run bench` and of `bench:side-by-side --a bare`.
   */
  async bareServer(workers = 1): Promise<{ url: string; process: Spawned }> {
    const modelFile = path.join(this.work, 'light-v1.onnx');
    await mkdir(this.work, { recursive: true });
    await writeFile(modelFile, this.models.light[0]);
    const port = await freePort();
    const server = this.run('bench/bare-server.js', { BARE_PORT: String(port), BARE_MODEL_FILE: modelFile, BARE_WORKERS: String(workers) });
    const url = `http://127.0.0.1:${port}`;
    await waitForHttp(`${url}/health`).catch(async (error: unknown) => {
      await this.stopProcess(server);
      throw error;
    });
    return { url, process: server };
  }

  /** A model beside light and heavy, registered for one scenario: created, uploaded, validated, champion v1. */
  async registerChampion(name: string, bytes: Uint8Array): Promise<void> {
    expectStatus(await call(`${this.registryUrl}/v1/models`, 'POST', { name, description: 'bench' }), 201, `create ${name}`);
    const version = await this.upload(name, bytes);
    expectStatus(await call(`${this.registryUrl}/v1/models/${name}/aliases/champion`, 'PUT', { version }), 200, `${name} champion`);
  }

  /**
   * A gateway of `workers` workers on one port (GATEWAY_WORKERS), beside the measured ones; ready when
   * every worker reports serving the light model's current revision.
   */
  async workersGateway(replica: string, workers: number): Promise<{ url: string; process: Spawned }> {
    const port = await freePort();
    const gateway = this.run('apps/gateway/src/main.js', { ...this.gatewayEnv(replica, port), GATEWAY_WORKERS: String(workers), DEPLOYMENT_POLL_MS: '1000' });
    const names = Array.from({ length: workers }, (_, i) => `${replica}-w${i + 1}`);
    await poll(`${names.join(', ')} serving ${LIGHT}`, 60_000, async () => {
      const answer = await call(`${this.registryUrl}/v1/models/${LIGHT}/deployment`, 'GET');
      const rollout = (answer.body.rollout ?? []) as Array<{ replica: string; serving_revision: number }>;
      return names.every((r) => rollout.some((x) => x.replica === r && x.serving_revision === answer.body.revision)) ? true : undefined;
    }).catch((error: unknown) => {
      throw new Error(`${replica} did not serve: ${(error as Error).message}\n${gateway.output()}`);
    });
    return { url: `http://127.0.0.1:${port}`, process: gateway };
  }

  private async upload(model: string, bytes: Uint8Array): Promise<number> {
    const form = new FormData();
    form.append('artifact', new Blob([bytes]), 'model.onnx');
    const response = await fetch(`${this.registryUrl}/v1/models/${model}/versions`, { method: 'POST', body: form });
    const body = (await response.json()) as { version: number };
    if (response.status !== 201) throw new Error(`upload of ${model} answered ${response.status}: ${JSON.stringify(body)}`);
    const version = body.version;
    await poll(`${model} v${version} validated`, 60_000, async () => {
      const answer = await call(`${this.registryUrl}/v1/models/${model}/versions/${version}`, 'GET');
      if (answer.body.status === 'failed') throw new Error(`${model} v${version} failed validation: ${answer.body.status_reason}`);
      return answer.body.status === 'ready' ? true : undefined;
    });
    return version;
  }

  private async registerModels(): Promise<void> {
    for (const name of [LIGHT, HEAVY]) expectStatus(await call(`${this.registryUrl}/v1/models`, 'POST', { name, description: 'bench' }), 201, `create ${name}`);
    for (const bytes of this.models.light) await this.upload(LIGHT, bytes);
    await this.upload(HEAVY, this.models.heavy);
    const alias = (model: string, name: string, version: number) => call(`${this.registryUrl}/v1/models/${model}/aliases/${name}`, 'PUT', { version });
    expectStatus(await alias(LIGHT, 'champion', 1), 200, 'light champion');
    expectStatus(await alias(LIGHT, 'challenger', 2), 200, 'light challenger');
    const deployment = await call(`${this.registryUrl}/v1/models/${LIGHT}/deployment`, 'GET');
    expectStatus(await call(`${this.registryUrl}/v1/models/${LIGHT}/traffic`, 'PUT', { challenger_percent: 10 }, { 'if-match': deployment.headers.get('etag') ?? '' }), 200, 'light traffic 10%');
    expectStatus(await alias(HEAVY, 'champion', 1), 200, 'heavy champion');
  }

  /** Until every running replica reports serving the model's current revision. */
  async waitForRollout(model: string, timeoutMs = 30_000): Promise<number> {
    const replicas = this.gateways.filter(Boolean).map((g) => g.replica);
    return poll(`${model} rolled out to ${replicas.join(', ')}`, timeoutMs, async () => {
      const answer = await call(`${this.registryUrl}/v1/models/${model}/deployment`, 'GET');
      const revision = answer.body.revision as number;
      const rollout = (answer.body.rollout ?? []) as Array<{ replica: string; serving_revision: number }>;
      return replicas.every((r) => rollout.some((x) => x.replica === r && x.serving_revision === revision)) ? revision : undefined;
    });
  }

  async metrics(index = 0): Promise<string> {
    const response = await fetch(`${this.gateways[index].url}/metrics`, { signal: AbortSignal.timeout(10_000) });
    if (!response.ok) throw new Error(`/metrics answered ${response.status}`);
    return response.text();
  }

  /** Versions each running gateway has moved to inference threads (`switchyard_version_offloaded` = 1). */
  async offloaded(): Promise<Record<string, string[]>> {
    const result: Record<string, string[]> = {};
    for (const [index, gateway] of this.gateways.entries()) {
      if (!gateway) continue;
      const text = await this.metrics(index).catch(() => '');
      result[gateway.replica] = series(text, 'switchyard_version_offloaded')
        .filter((s) => s.value === 1)
        .map((s) => `${s.labels.model} v${s.labels.version}`)
        .sort();
    }
    return result;
  }

  async cleanup(): Promise<void> {
    if (this.cleaned) return;
    this.cleaned = true;
    for (const spawned of [...this.spawned]) await stop(spawned).catch(() => undefined);
    if (this.databaseCreated) await dropDatabase(this.databaseUrl).catch((error: unknown) => console.error(`could not drop ${this.databaseUrl}: ${(error as Error).message}`));
    for (const prefix of [this.prefix, this.uploadPrefix]) {
      await deleteRedisKeys(this.redisUrl, prefix).catch((error: unknown) => console.error(`could not delete Redis keys ${prefix}:*: ${(error as Error).message}`));
    }
    await rm(this.work, { recursive: true, force: true });
  }
}
