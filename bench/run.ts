import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { buildMlp, SERVING_SESSION_OPTIONS } from '../libs/onnx/src';
import { dropDatabase, ensureDatabase, runMigrations } from '../libs/persistence/src';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { freePort, freePortPair, runNode, type Spawned, stop, waitForHttp } from '../test/support/processes';
import { combine, type LoadOutcome, type LoadSpec, runLoads } from './load';
import { deleteRedisKeys } from './redis-keys';
import { measureUpload, type UploadRow } from './upload';

/**
 * `npm run bench`: the gateway against the bare limit. Starts everything on loopback (a fresh database
 * and Redis prefix), registers models built in code, drives the gateway with autocannon and reports each
 * figure as a ratio to two baselines measured in the same run: a bare Fastify server doing the same job
 * (bench/bare-server.ts) and onnxruntime-node in process (a tight loop of session.run, batch 1).
 * Prints one table, writes bench/results/<timestamp>.json. See bench/README.md.
 */

// ---------------------------------------------------------------------------------------------------
// Options

interface ScenarioInfo {
  id: number;
  name: string;
  title: string;
}

const SCENARIOS: ScenarioInfo[] = [
  { id: 1, name: 'gateway', title: 'gateway /v1 predict, light, A/B 90/10' },
  { id: 2, name: 'two-cores', title: 'two gateway processes' },
  { id: 3, name: 'oip', title: 'gateway /v2 infer (OIP), light' },
  { id: 4, name: 'batching', title: 'dynamic batching, heavy' },
  { id: 5, name: 'isolation', title: 'light p99 beside saturated heavy' },
  { id: 6, name: 'hot-swap', title: 'champion switches under load' },
  { id: 7, name: 'propagation', title: 'alias change → both replicas' },
  { id: 8, name: 'upload', title: 'upload through the registry' },
  { id: 9, name: 'ingestion', title: 'prediction events → Postgres' },
  { id: 10, name: 'stats', title: 'stats over 10 million logged predictions' },
];
/**
 * The table is by number; the run order keeps scenarios from disturbing each other: the hot swap (6)
 * reloads versions while the gateway is saturated, so it runs after every steady-state scenario, and
 * after the second gateway (started for 2 and 7) has been stopped again.
 */
const EXECUTION_ORDER = [1, 3, 4, 5, 2, 7, 6, 8, 9, 10];

const USAGE = `usage: node dist/bench/run.js [options]        (npm run bench -- [options])

  --only <list>          scenarios to run, by number or name, comma-separated (default: all)
                         ${SCENARIOS.map((s) => `${s.id} ${s.name}`).join(', ')}
  --duration <s>         seconds per measured load run (default 10; scenario 6 runs 3x this)
  --connections <n>      connections for scenarios 1-3, 6 and the bare baseline (default 32;
                         scenario 4 uses 2n, scenario 5 n on heavy and n/4 on light)
  --upload-mib <n>       size of the scenario 8 upload in MiB (default 1024)
  --ingest-events <n>    events pushed through the worker in scenario 9 (default 200000, a multiple of 500)
  --profile <dir>        take a V8 CPU profile of the gateway during scenario 1 and print its top
                         self-time functions (the profiler slows the gateway: figures are not comparable)
  --help                 this message`;

interface Options {
  only: number[];
  durationS: number;
  connections: number;
  uploadMib: number;
  ingestEvents: number;
  profileDir: string | null;
}

type Parsed = { kind: 'run'; options: Options } | { kind: 'help' } | { kind: 'error'; message: string };

export function parseArgs(argv: string[]): Parsed {
  const options: Options = { only: SCENARIOS.map((s) => s.id), durationS: 10, connections: 32, uploadMib: 1024, ingestEvents: 200_000, profileDir: null };
  const positive = (flag: string, raw: string | undefined, integer: boolean): number | string => {
    const value = Number(raw);
    if (raw === undefined || raw === '' || !Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
      return `${flag} expects a positive ${integer ? 'integer' : 'number'}, got ${raw === undefined ? 'nothing' : JSON.stringify(raw)}`;
    }
    return value;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') return { kind: 'help' };
    const match = /^(--[a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match) return { kind: 'error', message: `unexpected argument ${JSON.stringify(arg)}` };
    const flag = match[1];
    const takeValue = () => (match[2] !== undefined ? match[2] : argv[++i]);
    switch (flag) {
      case '--only': {
        const raw = takeValue();
        if (!raw) return { kind: 'error', message: '--only expects a list of scenarios' };
        const ids: number[] = [];
        for (const item of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
          const found = SCENARIOS.find((s) => String(s.id) === item || s.name === item.toLowerCase());
          if (!found) return { kind: 'error', message: `unknown scenario ${JSON.stringify(item)}` };
          if (!ids.includes(found.id)) ids.push(found.id);
        }
        if (ids.length === 0) return { kind: 'error', message: '--only expects a list of scenarios' };
        options.only = ids.sort((a, b) => a - b);
        break;
      }
      case '--duration': {
        const value = positive(flag, takeValue(), false);
        if (typeof value === 'string') return { kind: 'error', message: value };
        options.durationS = value;
        break;
      }
      case '--connections': {
        const value = positive(flag, takeValue(), true);
        if (typeof value === 'string') return { kind: 'error', message: value };
        options.connections = value;
        break;
      }
      case '--upload-mib': {
        const value = positive(flag, takeValue(), true);
        if (typeof value === 'string') return { kind: 'error', message: value };
        options.uploadMib = value;
        break;
      }
      case '--ingest-events': {
        const value = positive(flag, takeValue(), true);
        if (typeof value === 'string') return { kind: 'error', message: value };
        if (value % 500 !== 0) return { kind: 'error', message: `--ingest-events expects a multiple of 500, got ${value}` };
        options.ingestEvents = value;
        break;
      }
      case '--profile': {
        const raw = takeValue();
        if (!raw) return { kind: 'error', message: '--profile expects a directory' };
        options.profileDir = path.resolve(raw);
        break;
      }
      default:
        return { kind: 'error', message: `unknown option ${flag}` };
    }
  }
  return { kind: 'run', options };
}

// ---------------------------------------------------------------------------------------------------
// Results

type Verdict = 'PASS' | 'FAIL' | 'n/a' | 'ERROR';

interface Check {
  what: string;
  value: number | null;
  op: '>=' | '<=';
  limit: number;
  pass: boolean | null;
}

interface Row {
  id: string;
  scenario: string;
  figure: string;
  p50: string;
  p99: string;
  non2xx: string;
  errors: string;
  ratio: string;
  target: string;
  verdict: Verdict;
}

interface ScenarioRecord {
  id: number;
  name: string;
  rows: Row[];
  checks: Check[];
  verdict: Verdict;
  /** Requests the system under test should have served and did not. */
  failures: string[];
  notes: string[];
  runs: Record<string, unknown>;
  extra: Record<string, unknown>;
  error?: string;
}

function check(what: string, value: number | null, op: '>=' | '<=', limit: number): Check {
  const pass = value === null || !Number.isFinite(value) ? null : op === '>=' ? value >= limit : value <= limit;
  return { what, value: value === null || !Number.isFinite(value) ? null : Number(value.toFixed(3)), op, limit, pass };
}

function verdictOf(checks: Check[]): Verdict {
  if (checks.length === 0) return 'n/a';
  if (checks.some((c) => c.pass === false)) return 'FAIL';
  if (checks.some((c) => c.pass === null)) return 'n/a';
  return 'PASS';
}

const ms = (value: number | null | undefined) => (value === null || value === undefined || !Number.isFinite(value) ? '—' : value.toFixed(3));
const ratio = (a: number | null | undefined, b: number | null | undefined) => (a === null || a === undefined || !b ? null : a / b);
const times = (value: number | null) => (value === null || !Number.isFinite(value) ? '—' : `${value.toFixed(2)}×`);
const round = (value: number) => Math.round(value).toString();
/** One decimal, as a number (null when not finite). */
const round1 = (value: number): number | null => (Number.isFinite(value) ? Math.round(value * 10) / 10 : null);

function loadRow(id: string, scenario: string, outcome: LoadOutcome, extra: Partial<Row> = {}): Row {
  return {
    id,
    scenario,
    figure: round(outcome.rps),
    p50: ms(outcome.latency.p50_ms),
    p99: ms(outcome.latency.p99_ms),
    non2xx: String(outcome.non2xx),
    errors: String(outcome.errors),
    ratio: '',
    target: '',
    verdict: 'n/a',
    ...extra,
  };
}

function withoutHistogram(outcome: LoadOutcome): Omit<LoadOutcome, 'histogram'> {
  const { histogram: _histogram, ...rest } = outcome;
  return rest;
}

function servedEverything(outcome: LoadOutcome, where: string): string[] {
  const problems: string[] = [];
  if (outcome.non2xx > 0) problems.push(`${where}: ${outcome.non2xx} non-2xx (${JSON.stringify(outcome.status_codes)})`);
  if (outcome.errors > 0) problems.push(`${where}: ${outcome.errors} errors (${outcome.timeouts} timeouts)`);
  if (outcome.ok === 0) problems.push(`${where}: no request was served`);
  return problems;
}

function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function printTable(rows: Row[]): void {
  const columns: Array<[keyof Row, string]> = [
    ['id', '#'],
    ['scenario', 'scenario'],
    ['figure', 'req/s'],
    ['p50', 'p50 ms'],
    ['p99', 'p99 ms'],
    ['non2xx', 'non-2xx'],
    ['errors', 'errors'],
    ['ratio', 'ratio'],
    ['target', 'target'],
    ['verdict', 'verdict'],
  ];
  const numeric = new Set<keyof Row>(['figure', 'p50', 'p99', 'non2xx', 'errors']);
  const widths = columns.map(([key, title]) => Math.max(title.length, ...rows.map((r) => r[key].length)));
  const line = (cells: string[]) => cells.map((c, i) => (numeric.has(columns[i][0]) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  console.log(line(columns.map(([, title]) => title)));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(columns.map(([key]) => row[key])));
}

// ---------------------------------------------------------------------------------------------------
// The system under test

const LIGHT = 'light';
const HEAVY = 'heavy';
const LIGHT_LAYERS = [64, 256, 256, 10];
const HEAVY_LAYERS = [512, 2048, 2048, 10];
const BATCHING = { max_batch_size: 32, max_delay_ms: 2 };
const SWITCHES = 20;
const PROPAGATION_CHANGES = 20;

function features(count: number, seed: number): number[] {
  let state = seed;
  return Array.from({ length: count }, () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return Number(((state / 2147483648) * 2 - 1).toFixed(4));
  });
}

const LIGHT_ROW = features(LIGHT_LAYERS[0], 7);
const HEAVY_ROW = features(HEAVY_LAYERS[0], 11);
const LIGHT_PREDICT_BODY = JSON.stringify({ instances: [LIGHT_ROW] });
const HEAVY_PREDICT_BODY = JSON.stringify({ instances: [HEAVY_ROW] });
const LIGHT_OIP_BODY = JSON.stringify({ inputs: [{ name: 'input', shape: [1, LIGHT_LAYERS[0]], datatype: 'FP32', data: LIGHT_ROW }] });
const ROUTING_KEYS = 1000;

interface Answer {
  status: number;
  /** JSON from the registry, read field by field. */
  body: any;
  headers: Headers;
}

async function call(url: string, method: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(url, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body !== undefined ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: response.status, body: parsed, headers: response.headers };
}

/** Clock ticks per second of /proc's CPU times (USER_HZ). */
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** CPU seconds (user + system, every thread) a process has used so far, from /proc/<pid>/stat. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // utime and stime are fields 14 and 15; the command name before them may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/**
 * One load run on a gateway, with the gateway's own CPU time per response over the measured part:
 * unlike req/s, it does not depend on what else (the worker, PostgreSQL, the load generator) took
 * the cores meanwhile, so two gateways' costs per request compare on a shared machine.
 */
async function loadWithCpu(spec: LoadSpec, pid: number, onMeasuring?: () => void): Promise<{ outcome: LoadOutcome; cpuUsPerRequest: number }> {
  let cpuAtStart = 0;
  const [outcome] = await runLoads([spec], {
    onMeasuring: () => {
      cpuAtStart = cpuSeconds(pid);
      onMeasuring?.();
    },
  });
  const responses = outcome.ok + outcome.non2xx;
  return { outcome, cpuUsPerRequest: responses > 0 ? ((cpuSeconds(pid) - cpuAtStart) * 1e6) / responses : NaN };
}

function expectStatus(answer: Answer, status: number, what: string): Answer {
  if (answer.status !== status) throw new Error(`${what}: expected ${status}, got ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer;
}

const sleep = (msToWait: number) => new Promise((resolve) => setTimeout(resolve, msToWait));

async function poll<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const found = await probe();
      if (found !== undefined) return found;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms${last instanceof Error ? ` (${last.message})` : ''}`);
    await sleep(intervalMs);
  }
}

interface InProcess {
  model: string;
  batch: number;
  seconds: number;
  runs: number;
  inferences_per_s: number;
  run_ms: number;
}

/** The limit: a tight loop of session.run on one session in this process, nothing else running. */
async function inProcessLimit(model: string, bytes: Uint8Array, width: number, batch: number, seconds: number): Promise<InProcess> {
  const session = await ort.InferenceSession.create(bytes, SERVING_SESSION_OPTIONS);
  try {
    const data = new Float32Array(batch * width);
    const row = width === LIGHT_LAYERS[0] ? LIGHT_ROW : HEAVY_ROW;
    for (let i = 0; i < data.length; i++) data[i] = row[i % width];
    const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', data, [batch, width]) };
    const warmUntil = performance.now() + Math.min(500, seconds * 200);
    while (performance.now() < warmUntil) await session.run(feeds);
    let runs = 0;
    const started = performance.now();
    const deadline = started + seconds * 1000;
    while (performance.now() < deadline) {
      await session.run(feeds);
      runs++;
    }
    const elapsed = (performance.now() - started) / 1000;
    return {
      model,
      batch,
      seconds: Number(elapsed.toFixed(2)),
      runs,
      inferences_per_s: Math.round((runs * batch) / elapsed),
      run_ms: Number(((elapsed * 1000) / runs).toFixed(4)),
    };
  } finally {
    await session.release();
  }
}

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: CpuProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time per function of a V8 CPU profile, and per package, largest first. */
export function summariseProfile(profile: CpuProfile, top = 20): { functions: Array<{ fn: string; self_ms: number; percent: number }>; packages: Array<{ pkg: string; self_ms: number; percent: number }> } {
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<string, number>();
  const perPackage = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const node = byNode.get(id);
    const delta = profile.timeDeltas[i] ?? 0;
    if (!node || delta < 0) return;
    total += delta;
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url.replace(/^file:\/\//, '');
    const short = /\/node_modules\//.test(file) ? file.replace(/^.*\/node_modules\//, '') : file.replace(/^.*\/dist\//, 'dist/');
    const key = `${functionName || '(anonymous)'}${short ? ` ${short}:${lineNumber + 1}` : ''}`;
    selfUs.set(key, (selfUs.get(key) ?? 0) + delta);
    const pkg = !url ? (functionName.startsWith('(') ? functionName : '(native code and V8 builtins)') : url.startsWith('node:') ? 'node (core)' : /node_modules\//.test(url) ? (/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1] ?? 'node_modules') : /\/dist\//.test(url) ? `switchyard ${url.replace(/^.*\/dist\//, '').split('/').slice(0, 2).join('/')}` : url;
    perPackage.set(pkg, (perPackage.get(pkg) ?? 0) + delta);
  });
  const ranked = <K extends string>(map: Map<string, number>, key: K) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ [key]: name, self_ms: Number((us / 1000).toFixed(1)), percent: Number(((100 * us) / (total || 1)).toFixed(1)) }) as { [P in K]: string } & { self_ms: number; percent: number });
  return { functions: ranked(selfUs, 'fn'), packages: ranked(perPackage, 'pkg') };
}

// ---------------------------------------------------------------------------------------------------
// The bench

class Bench {
  readonly pid = process.pid;
  readonly work = path.join(os.tmpdir(), `switchyard-bench-${process.pid}`);
  readonly databaseUrl: string;
  readonly redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0';
  readonly prefix = `sybench-${process.pid}`;
  readonly durationS: number;
  readonly warmupS: number;
  readonly connections: number;
  private readonly spawned = new Set<Spawned>();
  private databaseCreated = false;
  private registryUrl = '';
  private gatewayPort = 0;
  private gateways: Array<{ replica: string; url: string; process: Spawned }> = [];
  private worker: Spawned | null = null;
  private registry: Spawned | null = null;
  private cleaned = false;

  readonly records = new Map<number, ScenarioRecord>();
  readonly baselineRows: Row[] = [];
  readonly baselines: Record<string, unknown> = {};
  private bare: LoadOutcome | null = null;
  private bareTwo: LoadOutcome | null = null;
  private inProcessLight: InProcess | null = null;
  private heavyBatchMs: number | null = null;
  private steadyP99: number | null = null;
  private profileSummary: ReturnType<typeof summariseProfile> | null = null;
  private profileFile: string | null = null;
  readonly models = {
    light: [1, 2, 3].map((seed) => buildMlp({ layers: LIGHT_LAYERS, seed, modelVersionTag: `light-v${seed}` })),
    heavy: buildMlp({ layers: HEAVY_LAYERS, seed: 11, modelVersionTag: 'heavy-v1' }),
  };

  constructor(readonly options: Options) {
    const base = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/switchyard');
    base.pathname = `/switchyard_bench_${process.pid}`;
    this.databaseUrl = base.toString();
    this.durationS = options.durationS;
    this.warmupS = options.durationS >= 5 ? 2 : Math.min(1, options.durationS / 2);
    this.connections = options.connections;
  }

  private selected(id: number): boolean {
    return this.options.only.includes(id);
  }

  private spec(label: string, url: string, overrides: Partial<LoadSpec> = {}): LoadSpec {
    return {
      label,
      url,
      path: `/v1/models/${LIGHT}/predict`,
      method: 'POST',
      body: LIGHT_PREDICT_BODY,
      routingKeys: ROUTING_KEYS,
      connections: this.connections,
      durationS: this.durationS,
      warmupS: this.warmupS,
      ...overrides,
    };
  }

  private heavySpec(label: string, connections: number): LoadSpec {
    return this.spec(label, this.gateways[0].url, { path: `/v1/models/${HEAVY}/predict`, body: HEAVY_PREDICT_BODY, connections });
  }

  private run(entry: string, env: Record<string, string>): Spawned {
    const spawned = runNode(entry, env);
    this.spawned.add(spawned);
    void spawned.exited.then(() => this.spawned.delete(spawned));
    return spawned;
  }

  private async stopProcess(spawned: Spawned | null): Promise<void> {
    if (!spawned) return;
    await stop(spawned);
    this.spawned.delete(spawned);
  }

  // --- baselines -----------------------------------------------------------------------------------

  async measureInProcess(): Promise<void> {
    const lightSeconds = Math.min(5, Math.max(1, this.durationS / 2));
    this.inProcessLight = await inProcessLimit(LIGHT, this.models.light[0], LIGHT_LAYERS[0], 1, lightSeconds);
    const rows: InProcess[] = [this.inProcessLight];
    if (this.selected(4)) {
      const heavySeconds = Math.min(2, Math.max(0.5, this.durationS / 5));
      rows.push(await inProcessLimit(HEAVY, this.models.heavy, HEAVY_LAYERS[0], 1, heavySeconds));
      const batched = await inProcessLimit(HEAVY, this.models.heavy, HEAVY_LAYERS[0], BATCHING.max_batch_size, heavySeconds);
      rows.push(batched);
      this.heavyBatchMs = batched.run_ms;
    }
    this.baselines.in_process = rows;
    for (const r of rows) {
      this.baselineRows.push({
        id: 'base',
        scenario: `in-process onnxruntime, ${r.model}, batch ${r.batch}`,
        figure: `${round(r.inferences_per_s)} inf/s`,
        p50: ms(r.run_ms),
        p99: '—',
        non2xx: '—',
        errors: '—',
        ratio: r.batch === 1 && r.model === LIGHT ? 'the limit' : `${ms(r.run_ms)} ms per run`,
        target: '',
        verdict: 'n/a',
      });
    }
  }

  async measureBare(): Promise<void> {
    const modelFile = path.join(this.work, 'light-v1.onnx');
    await writeFile(modelFile, this.models.light[0]);
    const runBare = async (count: number): Promise<LoadOutcome[]> => {
      const port = count === 1 ? await freePort() : await freePortPair();
      const servers = Array.from({ length: count }, (_, i) => this.run('bench/bare-server.js', { BARE_PORT: String(port + i), BARE_MODEL_FILE: modelFile }));
      try {
        for (let i = 0; i < count; i++) await waitForHttp(`http://127.0.0.1:${port + i}/health`);
        const perServer = Math.max(1, Math.round(this.connections / count));
        return await runLoads(servers.map((_, i) => this.spec(`bare ${i + 1}/${count}`, `http://127.0.0.1:${port + i}`, { connections: perServer })));
      } finally {
        for (const server of servers) await this.stopProcess(server);
      }
    };
    const [bare] = await runBare(1);
    this.bare = bare;
    this.baselines.bare = withoutHistogram(bare);
    this.baselineRows.push(
      loadRow('base', `bare Fastify + onnxruntime, light, ${this.connections} conn`, bare, {
        ratio: `${times(ratio(bare.rps, this.inProcessLight?.inferences_per_s))} in-proc`,
      }),
    );
    if (this.selected(2)) {
      const outcomes = await runBare(2);
      this.bareTwo = combine('bare x2', outcomes);
      this.baselines.bare_two_processes = { combined: withoutHistogram(this.bareTwo), processes: outcomes.map(withoutHistogram) };
      this.baselineRows.push(
        loadRow('base', `bare x2 processes, ${this.connections} conn total`, this.bareTwo, {
          ratio: `${times(ratio(this.bareTwo.rps, bare.rps))} bare`,
        }),
      );
    }
  }

  // --- system ----------------------------------------------------------------------------------------

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

  async prepareDatabase(): Promise<void> {
    await ensureDatabase(this.databaseUrl);
    this.databaseCreated = true;
    await runMigrations(this.databaseUrl);
  }

  async startSystem(): Promise<void> {
    const [registryPort, workerPort] = [await freePort(), await freePort()];
    this.gatewayPort = await freePortPair();
    this.registryUrl = `http://127.0.0.1:${registryPort}`;
    this.registry = this.run('apps/registry/src/main.js', { ...this.commonEnv(), REGISTRY_PORT: String(registryPort) });
    await waitForHttp(`${this.registryUrl}/health/ready`).catch((error: unknown) => {
      throw new Error(`registry did not start: ${(error as Error).message}\n${this.registry!.output()}`);
    });
    this.worker = this.run('apps/worker/src/main.js', { ...this.commonEnv(), WORKER_PORT: String(workerPort) });
    await waitForHttp(`http://127.0.0.1:${workerPort}/health/ready`).catch((error: unknown) => {
      throw new Error(`worker did not start: ${(error as Error).message}\n${this.worker!.output()}`);
    });
    await this.registerModels();
    await this.startGateway(0);
    this.baselines.offloaded_at_start = await this.offloaded();
  }

  private async startGateway(index: number): Promise<void> {
    const replica = `gateway-${index + 1}`;
    const port = this.gatewayPort + index;
    const profiled = index === 0 && this.options.profileDir !== null && this.selected(1);
    if (profiled) {
      await mkdir(this.options.profileDir!, { recursive: true });
      this.profileFile = path.join(this.options.profileDir!, `gateway-scenario1-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`);
    }
    const gateway = this.run(profiled ? 'bench/profiled-gateway.js' : 'apps/gateway/src/main.js', {
      ...this.commonEnv(),
      GATEWAY_PORT: String(port),
      GATEWAY_REPLICA_ID: replica,
      GATEWAY_CACHE_DIR: path.join(this.work, `cache-${replica}`),
      REGISTRY_URL: this.registryUrl,
      DEPLOYMENT_POLL_MS: '1000',
      ...(profiled ? { BENCH_PROFILE_FILE: this.profileFile! } : {}),
    });
    const url = `http://127.0.0.1:${port}`;
    this.gateways[index] = { replica, url, process: gateway };
    await waitForHttp(`${url}/health/ready`).catch((error: unknown) => {
      throw new Error(`${replica} did not become ready: ${(error as Error).message}\n${gateway.output()}`);
    });
    for (const model of [LIGHT, HEAVY]) await this.waitForRollout(model);
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
  private async waitForRollout(model: string, timeoutMs = 30_000): Promise<number> {
    const replicas = this.gateways.filter(Boolean).map((g) => g.replica);
    return poll(`${model} rolled out to ${replicas.join(', ')}`, timeoutMs, async () => {
      const answer = await call(`${this.registryUrl}/v1/models/${model}/deployment`, 'GET');
      const revision = answer.body.revision as number;
      const rollout = (answer.body.rollout ?? []) as Array<{ replica: string; serving_revision: number }>;
      return replicas.every((r) => rollout.some((x) => x.replica === r && x.serving_revision === revision)) ? revision : undefined;
    });
  }

  private async metrics(index = 0): Promise<string> {
    const response = await fetch(`${this.gateways[index].url}/metrics`, { signal: AbortSignal.timeout(10_000) });
    if (!response.ok) throw new Error(`/metrics answered ${response.status}`);
    return response.text();
  }

  private static series(text: string, name: string): Array<{ labels: Record<string, string>; value: number }> {
    const found: Array<{ labels: Record<string, string>; value: number }> = [];
    for (const line of text.split('\n')) {
      if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
      const labels: Record<string, string> = {};
      for (const m of line.matchAll(/(\w+)="([^"]*)"/g)) labels[m[1]] = m[2];
      found.push({ labels, value: Number(line.slice(line.lastIndexOf(' ') + 1)) });
    }
    return found;
  }

  /** Versions each running gateway has moved to inference threads (`switchyard_version_offloaded` = 1). */
  private async offloaded(): Promise<Record<string, string[]>> {
    const result: Record<string, string[]> = {};
    for (const [index, gateway] of this.gateways.entries()) {
      if (!gateway) continue;
      const text = await this.metrics(index).catch(() => '');
      result[gateway.replica] = Bench.series(text, 'switchyard_version_offloaded')
        .filter((s) => s.value === 1)
        .map((s) => `${s.labels.model} v${s.labels.version}`)
        .sort();
    }
    return result;
  }

  private static predictionsByVariant(text: string, model: string): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const s of Bench.series(text, 'switchyard_predictions_total')) {
      if (s.labels.model !== model || s.labels.status !== 'ok') continue;
      counts[s.labels.variant] = (counts[s.labels.variant] ?? 0) + s.value;
    }
    return counts;
  }

  async cleanup(): Promise<void> {
    if (this.cleaned) return;
    this.cleaned = true;
    for (const spawned of [...this.spawned]) await stop(spawned).catch(() => undefined);
    if (this.databaseCreated) await dropDatabase(this.databaseUrl).catch((error: unknown) => console.error(`could not drop ${this.databaseUrl}: ${(error as Error).message}`));
    for (const prefix of [this.prefix, `${this.prefix}-upload`]) {
      await deleteRedisKeys(this.redisUrl, prefix).catch((error: unknown) => console.error(`could not delete Redis keys ${prefix}:*: ${(error as Error).message}`));
    }
    await rm(this.work, { recursive: true, force: true });
  }

  // --- scenarios ---------------------------------------------------------------------------------------

  private record(id: number): ScenarioRecord {
    const info = SCENARIOS.find((s) => s.id === id)!;
    const record: ScenarioRecord = { id, name: info.name, rows: [], checks: [], verdict: 'n/a', failures: [], notes: [], runs: {}, extra: {} };
    this.records.set(id, record);
    return record;
  }

  async scenario(id: number): Promise<void> {
    const record = this.record(id);
    const info = SCENARIOS.find((s) => s.id === id)!;
    const started = Date.now();
    process.stderr.write(`scenario ${id} (${info.name}) …`);
    try {
      switch (id) {
        case 1:
          await this.gatewayPredict(record);
          break;
        case 2:
          await this.twoProcesses(record);
          break;
        case 3:
          await this.oip(record);
          break;
        case 4:
          await this.batching(record);
          break;
        case 5:
          await this.isolation(record);
          break;
        case 6:
          await this.hotSwap(record);
          break;
        case 7:
          await this.propagation(record);
          break;
        case 8:
          await this.uploadScenario(record);
          break;
        case 9:
          await this.ingestion(record);
          break;
        case 10:
          await this.statsQuery(record);
          break;
      }
      record.verdict = verdictOf(record.checks);
      if (this.gateways.length && id <= 7) {
        // The gateway decides per version, from a warm-up timing, whether it runs inline or in inference
        // threads; a light version in threads changes every figure, so it is reported.
        const offloaded = await this.offloaded();
        record.extra.offloaded_versions = offloaded;
        const lightOffloaded = Object.entries(offloaded).filter(([, versions]) => versions.some((v) => v.startsWith(`${LIGHT} `)));
        if (lightOffloaded.length) {
          record.notes.push(`light versions running in inference threads (gateway's warm-up timing said > GATEWAY_OFFLOAD_ABOVE_MS): ${lightOffloaded.map(([replica, v]) => `${replica}: ${v.filter((x) => x.startsWith(LIGHT)).join(', ')}`).join('; ')}`);
        }
      }
    } catch (error) {
      record.error = error instanceof Error ? error.message : String(error);
      record.verdict = 'ERROR';
      record.failures.push(`scenario ${id} did not complete: ${record.error.split('\n')[0]}`);
      record.rows.push({ id: String(id), scenario: info.title, figure: '—', p50: '—', p99: '—', non2xx: '—', errors: '—', ratio: `error: ${record.error.split('\n')[0].slice(0, 80)}`, target: '', verdict: 'ERROR' });
    }
    process.stderr.write(` ${record.verdict} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
  }

  private bareRatios(outcome: LoadOutcome): { rps: number | null; p99: number | null; inProcess: number | null } {
    return {
      rps: ratio(outcome.rps, this.bare?.rps),
      p99: ratio(outcome.latency.p99_ms, this.bare?.latency.p99_ms),
      inProcess: ratio(outcome.rps, this.inProcessLight?.inferences_per_s),
    };
  }

  private async gatewayPredict(record: ScenarioRecord): Promise<void> {
    const gateway = this.gateways[0];
    const before = Bench.predictionsByVariant(await this.metrics(), LIGHT);
    // "Metrics on": a scraper reads /metrics once a second during the run, as a (busy) Prometheus would.
    const scrapes: number[] = [];
    let scrapeFailures = 0;
    let scraping = true;
    const scraper = (async () => {
      while (scraping) {
        const t0 = performance.now();
        try {
          await this.metrics();
          scrapes.push(performance.now() - t0);
        } catch {
          scrapeFailures++;
        }
        await sleep(1000);
      }
    })();
    const profiling = this.profileFile !== null;
    let outcome: LoadOutcome;
    let cpuUsPerRequest: number;
    try {
      ({ outcome, cpuUsPerRequest } = await loadWithCpu(this.spec('gateway /v1 predict', gateway.url), gateway.process.child.pid!, () => {
        if (profiling) gateway.process.child.kill('SIGUSR1');
      }));
    } finally {
      scraping = false;
      await scraper;
    }
    if (profiling) {
      gateway.process.child.kill('SIGUSR1');
      const profile = await poll('CPU profile written', 20_000, async () => {
        const text = await readFile(this.profileFile!, 'utf8');
        return JSON.parse(text) as CpuProfile;
      }, 250);
      this.profileSummary = summariseProfile(profile);
      record.notes.push(`profiled run (sampling profiler on in the gateway): figures are lower than unprofiled; profile ${this.profileFile}`);
    }
    const after = Bench.predictionsByVariant(await this.metrics(), LIGHT);
    const champion = (after.champion ?? 0) - (before.champion ?? 0);
    const challenger = (after.challenger ?? 0) - (before.challenger ?? 0);
    const share = champion + challenger > 0 ? (100 * challenger) / (champion + challenger) : null;
    const r = this.bareRatios(outcome);
    this.steadyP99 = outcome.latency.p99_ms;
    record.checks.push(check('req/s ÷ bare req/s', r.rps, '>=', 0.85), check('p99 ÷ bare p99', r.p99, '<=', 1.5));
    record.failures.push(...servedEverything(outcome, 'scenario 1'));
    if (scrapeFailures) record.failures.push(`scenario 1: ${scrapeFailures} /metrics scrapes failed`);
    record.runs.gateway = withoutHistogram(outcome);
    record.extra = {
      challenger_share_percent: share === null ? null : Number(share.toFixed(2)),
      predictions_by_variant: { champion, challenger },
      metrics_scrapes: scrapes.length,
      metrics_scrape_ms_p50: percentile(scrapes, 50),
      metrics_scrape_ms_max: scrapes.length ? Math.max(...scrapes) : null,
      ratio_to_in_process: r.inProcess,
      gateway_cpu_us_per_request: round1(cpuUsPerRequest),
      profile_file: this.profileFile,
      profile_top: this.profileSummary,
    };
    if (share !== null) record.notes.push(`challenger share ${share.toFixed(1)}% of ${champion + challenger} predictions (target split 10%); ${scrapes.length} /metrics scrapes`);
    record.rows.push(
      loadRow('1', `gateway /v1 predict, light, A/B 90/10, ${this.connections} conn`, outcome, {
        ratio: `${times(r.rps)} bare, p99 ${times(r.p99)}, ${times(r.inProcess)} in-proc`,
        target: '≥0.85× bare, p99 ≤1.5×',
        verdict: verdictOf(record.checks),
      }),
    );
    if (profiling) return;
    // The same load on a gateway with the prediction log off: the price of logging, measured in this run.
    const unlogged = await this.extraGateway('gateway-unlogged', { PREDICTION_LOG_ENABLED: 'false' });
    try {
      const { outcome: off, cpuUsPerRequest: offCpu } = await loadWithCpu(this.spec('gateway /v1 predict, log off', unlogged.url), unlogged.process.child.pid!);
      record.failures.push(...servedEverything(off, 'scenario 1 (log off)'));
      const logging = check('req/s log on ÷ log off', ratio(outcome.rps, off.rps), '>=', 0.9);
      record.checks.push(logging);
      record.runs.gateway_log_off = withoutHistogram(off);
      // The gateway's own price of logging, apart from the worker and PostgreSQL sharing the cores.
      const byCpu = ratio(offCpu, cpuUsPerRequest);
      record.extra.gateway_log_off_cpu_us_per_request = round1(offCpu);
      record.extra.log_on_vs_off_by_gateway_cpu = byCpu;
      record.notes.push(
        `gateway CPU per request: ${round1(cpuUsPerRequest)} µs with the prediction log, ${round1(offCpu)} µs without (the throughput its own CPU allows: log on = ${times(byCpu)} log off)`,
      );
      record.rows.push(
        loadRow('1b', 'same, prediction log off (for the ratio)', off, {
          ratio: `log on = ${times(ratio(outcome.rps, off.rps))} log off (by gateway CPU: ${times(byCpu)})`,
          target: 'log on ≥0.9× off',
          verdict: verdictOf([logging]),
        }),
      );
      record.verdict = verdictOf(record.checks);
    } finally {
      await this.stopProcess(unlogged.process);
    }
    await this.withAuth(record, outcome, cpuUsPerRequest);
  }

  /**
   * Scenario 1's load on a gateway with auth on, as deployed by default: a predict key checked on
   * every request (a map lookup, a salted sha256, a constant-time compare) and its rate limit counted
   * (the key's own limit, set high enough never to refuse). The other scenarios run with auth off, comparable across runs.
   */
  private async withAuth(record: ScenarioRecord, open: LoadOutcome, openCpuUsPerRequest: number): Promise<void> {
    const created = expectStatus(await call(`${this.registryUrl}/v1/keys`, 'POST', { name: 'bench', roles: ['predict'], rate_limit_per_second: 1_000_000, burst: 1_000_000 }), 201, 'bench predict key');
    const authorization = { authorization: `Bearer ${created.body.key as string}` };
    const gateway = await this.extraGateway('gateway-auth', { AUTH_ENABLED: 'true' }, authorization);
    try {
      const { outcome: authed, cpuUsPerRequest } = await loadWithCpu(this.spec('gateway /v1 predict, auth on', gateway.url, { headers: authorization }), gateway.process.child.pid!);
      record.failures.push(...servedEverything(authed, 'scenario 1 (auth on)'));
      record.runs.gateway_auth_on = withoutHistogram(authed);
      record.extra.gateway_auth_on_cpu_us_per_request = round1(cpuUsPerRequest);
      record.rows.push(
        loadRow('1c', 'same, auth on (predict key, rate limit counted)', authed, {
          ratio: `auth on = ${times(ratio(authed.rps, open.rps))} auth off (by gateway CPU: ${times(ratio(openCpuUsPerRequest, cpuUsPerRequest))})`,
        }),
      );
    } finally {
      await this.stopProcess(gateway.process);
    }
  }

  /** A gateway beside the measured ones, with its own settings; it is not counted in rollouts. */
  private async extraGateway(replica: string, env: Record<string, string>, headers: Record<string, string> = {}): Promise<{ url: string; process: Spawned }> {
    const port = await freePort();
    const gateway = this.run('apps/gateway/src/main.js', {
      ...this.commonEnv(),
      GATEWAY_PORT: String(port),
      GATEWAY_REPLICA_ID: replica,
      GATEWAY_CACHE_DIR: path.join(this.work, `cache-${replica}`),
      REGISTRY_URL: this.registryUrl,
      ...env,
    });
    const url = `http://127.0.0.1:${port}`;
    await poll(`${replica} serving ${LIGHT}`, 30_000, async () => {
      const answer = await fetch(`${url}/v1/models/${LIGHT}/predict`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: LIGHT_PREDICT_BODY }).catch(() => null);
      return answer?.status === 200 ? true : undefined;
    }).catch((error: unknown) => {
      throw new Error(`${replica} did not serve: ${(error as Error).message}\n${gateway.output()}`);
    });
    return { url, process: gateway };
  }

  /** Events pushed onto the stream as gateways would, timed until every one is a row in PostgreSQL. */
  private async ingestion(record: ScenarioRecord): Promise<void> {
    const total = this.options.ingestEvents;
    const model = `ingest-${Date.now()}`;
    const redis = new Redis(this.redisUrl);
    const pg = new Client({ connectionString: this.databaseUrl });
    await pg.connect();
    try {
      const count = async () => Number((await pg.query('SELECT count(*) AS n FROM prediction_log WHERE model_name = $1', [model])).rows[0].n);
      const at = Date.now();
      const entries: string[] = [];
      for (let entry = 0; entry < total / 500; entry++) {
        entries.push(
          JSON.stringify(
            Array.from({ length: 500 }, (_, i) => ({
              request_id: `${model}-${entry * 500 + i}`,
              model,
              version: 1,
              variant: i % 10 === 0 ? 'challenger' : 'champion',
              routing_key_hash: '0123456789abcdef0123456789abcdef',
              at: at + entry,
              latency_us: 200 + (i % 300),
              status: 200,
              error: null,
              inputs: { 'x[0]': i / 500, 'x[1]': 1 - i / 500 },
              output: { value: i / 1000 },
              payload: null,
            })),
          ),
        );
      }
      const started = performance.now();
      for (let i = 0; i < entries.length; i += 50) {
        const pipeline = redis.pipeline();
        for (const entry of entries.slice(i, i + 50)) pipeline.xadd(`${this.prefix}:predictions`, '*', 'batch', entry);
        await pipeline.exec();
      }
      await poll(`${total} events ingested`, 300_000, async () => ((await count()) >= total ? true : undefined), 100);
      const seconds = (performance.now() - started) / 1_000;
      const rate = total / seconds;
      const rollupRequests = Number((await pg.query('SELECT coalesce(sum(requests), 0) AS n FROM prediction_rollups WHERE model_name = $1', [model])).rows[0].n);
      if (rollupRequests !== total) record.failures.push(`scenario 9: rollups count ${rollupRequests} requests for ${total} events`);
      const target = check('events/s into PostgreSQL', rate, '>=', 20_000);
      record.checks.push(target);
      record.extra = { events: total, seconds: Number(seconds.toFixed(2)), events_per_s: Math.round(rate), rollup_requests: rollupRequests };
      record.rows.push({
        id: '9',
        scenario: `ingestion: ${total} events → Postgres (1 worker)`,
        figure: `${Math.round(rate)}/s`,
        p50: '—',
        p99: '—',
        non2xx: '—',
        errors: '—',
        ratio: `${seconds.toFixed(1)} s, rollups ${rollupRequests === total ? 'exact' : 'WRONG'}`,
        target: '≥20,000 events/s',
        verdict: verdictOf([target]),
      });
    } finally {
      redis.disconnect();
      await pg.end();
    }
  }

  /**
   * The rollups of 10 million predictions over 7 days (two variants, every minute), written straight
   * into PostgreSQL, then the stats API asked about the whole week: the answer reads rollups only.
   */
  private async statsQuery(record: ScenarioRecord): Promise<void> {
    const model = `stats-${Date.now()}`;
    const pg = new Client({ connectionString: this.databaseUrl });
    await pg.connect();
    const minutes = 7 * 24 * 60;
    const perMinute = Math.round(10_000_000 / minutes);
    const seeded = performance.now();
    try {
      await call(`${this.registryUrl}/v1/models`, 'POST', { name: model });
      const end = Math.floor(Date.now() / 60_000) * 60_000;
      // Each variant-minute: its share of requests, a latency histogram over ~40 log buckets, two inputs.
      await pg.query(
        `INSERT INTO prediction_rollups (model_name, minute, variant, version, requests, errors, latency_buckets, output_count, output_sum, output_sum_squares, output_labels, outcome_count, outcome_sum, outcome_sum_squares, outcome_correct)
         SELECT $1, to_timestamp(($2::bigint - m * 60000) / 1000.0), v.variant, v.version, v.requests, v.requests / 100, lat.hist, v.requests, v.requests * 0.5, v.requests * 0.3, '{}', v.requests / 10, v.requests / 10 * 1.5, v.requests / 10 * 2.5, 0
         FROM generate_series(1, $3::int) AS m
         CROSS JOIN (VALUES ('champion', 1, $4::int - $4::int / 10), ('challenger', 2, $4::int / 10)) AS v(variant, version, requests)
         CROSS JOIN LATERAL (SELECT jsonb_object_agg(b::text, greatest(1, v.requests / 40)) AS hist FROM generate_series(340 + (m % 3), 379 + (m % 3)) AS b) AS lat`,
        [model, end, minutes, perMinute],
      );
      await pg.query(
        `INSERT INTO prediction_input_rollups (model_name, minute, variant, input, bins)
         SELECT $1, to_timestamp(($2::bigint - m * 60000) / 1000.0), v.variant, i.input, jsonb_build_object('120', 10, '121', 20, (122 + m % 4)::text, 30)
         FROM generate_series(1, $3::int) AS m
         CROSS JOIN (VALUES ('champion'), ('challenger')) AS v(variant)
         CROSS JOIN (VALUES ('x[0]'), ('x[1]')) AS i(input)`,
        [model, end, minutes],
      );
      const seedSeconds = (performance.now() - seeded) / 1_000;
      const from = new Date(end - minutes * 60_000).toISOString();
      const to = new Date(end + 60_000).toISOString();
      const timings: number[] = [];
      let requests = 0;
      for (let i = 0; i < 6; i++) {
        const t0 = performance.now();
        const answer = await call(`${this.registryUrl}/v1/models/${model}/stats?from=${from}&to=${to}`, 'GET');
        const elapsed = performance.now() - t0;
        if (answer.status !== 200) {
          record.failures.push(`scenario 10: stats answered ${answer.status}`);
          break;
        }
        // The first call warms the registry's code paths and PostgreSQL's cache; it is reported, not counted.
        if (i > 0) timings.push(elapsed);
        requests = (answer.body.variants as Array<{ requests: number }>).reduce((sum, v) => sum + v.requests, 0);
      }
      const worst = timings.length ? Math.max(...timings) : null;
      const target = check('slowest stats answer (ms)', worst, '<=', 1_000);
      record.checks.push(target);
      record.extra = { predictions: requests, rollup_rows: minutes * 2, seed_seconds: Number(seedSeconds.toFixed(1)), answer_ms: timings.map((t) => Number(t.toFixed(1))) };
      record.rows.push({
        id: '10',
        scenario: `stats over ${(requests / 1e6).toFixed(1)} M predictions, 7 days, 2 variants`,
        figure: worst === null ? '—' : `${worst.toFixed(0)} ms`,
        p50: ms(percentile(timings, 50)),
        p99: '—',
        non2xx: '—',
        errors: '—',
        ratio: `${minutes * 2} rollup rows`,
        target: '< 1 s',
        verdict: verdictOf([target]),
      });
    } finally {
      await pg.query('DELETE FROM prediction_rollups WHERE model_name = $1', [model]).catch(() => undefined);
      await pg.query('DELETE FROM prediction_input_rollups WHERE model_name = $1', [model]).catch(() => undefined);
      await pg.end();
    }
  }

  private async oip(record: ScenarioRecord): Promise<void> {
    const [outcome] = await runLoads([this.spec('gateway /v2 infer', this.gateways[0].url, { path: `/v2/models/${LIGHT}/infer`, body: LIGHT_OIP_BODY })]);
    const r = this.bareRatios(outcome);
    record.checks.push(check('req/s ÷ bare req/s', r.rps, '>=', 0.8));
    record.failures.push(...servedEverything(outcome, 'scenario 3'));
    record.runs.oip = withoutHistogram(outcome);
    record.extra = { ratio_to_in_process: r.inProcess, p99_ratio_to_bare: r.p99 };
    record.rows.push(
      loadRow('3', `gateway /v2 infer (OIP), light, ${this.connections} conn`, outcome, {
        ratio: `${times(r.rps)} bare, p99 ${times(r.p99)}, ${times(r.inProcess)} in-proc`,
        target: '≥0.8× bare',
        verdict: verdictOf(record.checks),
      }),
    );
  }

  private async setBatching(batching: typeof BATCHING | null): Promise<Answer> {
    return call(`${this.registryUrl}/v1/models/${HEAVY}`, 'PATCH', { batching });
  }

  private async batching(record: ScenarioRecord): Promise<void> {
    const connections = this.connections * 2;
    const [off] = await runLoads([this.heavySpec('heavy, batching off', connections)]);
    record.runs.batching_off = withoutHistogram(off);
    record.failures.push(...servedEverything(off, 'scenario 4 (batching off)'));
    record.rows.push(loadRow('4a', `heavy /v1 predict, batching off, ${connections} conn`, off, { ratio: 'the reference for 4b' }));

    const patched = await this.setBatching(BATCHING);
    if (patched.status < 200 || patched.status >= 300) {
      const why = `batching not available (PATCH /v1/models/${HEAVY} answered ${patched.status}${patched.body?.detail ? `: ${String(patched.body.detail).slice(0, 120)}` : ''})`;
      record.notes.push(why);
      record.extra = { batching_available: false, patch_status: patched.status, patch_body: patched.body };
      record.rows.push({ id: '4b', scenario: 'heavy, batching on (32 rows, 2 ms)', figure: '—', p50: '—', p99: '—', non2xx: '—', errors: '—', ratio: why.slice(0, 60), target: '≥2× 4a, p99 ≤ delay+batch', verdict: 'n/a' });
      return;
    }
    let on: LoadOutcome;
    try {
      const revision = await this.waitForRollout(HEAVY);
      const deployment = await call(`${this.registryUrl}/v1/deployments`, 'GET');
      const seen = (deployment.body.items as Array<{ model: string; batching?: unknown }>).find((d) => d.model === HEAVY);
      record.extra = { batching_available: true, revision, deployment_batching: seen?.batching ?? null };
      [on] = await runLoads([this.heavySpec('heavy, batching on', connections)]);
      // Whatever batch series the gateway exports for the model (e.g. a histogram of rows per run).
      const text = await this.metrics();
      const lines = text.split('\n').filter((l) => /batch/i.test(l) && !l.startsWith('#') && l.includes(`model="${HEAVY}"`));
      record.extra.gateway_batch_metrics = lines;
      const sum = lines.find((l) => /_sum\{/.test(l));
      const count = lines.find((l) => /_count\{/.test(l));
      if (sum && count) {
        const [rows, runs] = [sum, count].map((l) => Number(l.slice(l.lastIndexOf(' ') + 1)));
        if (runs > 0) record.notes.push(`the gateway ran ${runs} batched session.run calls for ${rows} rows (mean ${(rows / runs).toFixed(1)} rows, warm-up included)`);
      }
    } finally {
      const restored = await this.setBatching(null);
      if (restored.status >= 200 && restored.status < 300) await this.waitForRollout(HEAVY);
      else record.notes.push(`could not turn batching off again: ${restored.status}`);
    }
    record.runs.batching_on = withoutHistogram(on);
    record.failures.push(...servedEverything(on, 'scenario 4 (batching on)'));
    const gain = ratio(on.rps, off.rps);
    const p99Limit = this.heavyBatchMs === null ? null : BATCHING.max_delay_ms + this.heavyBatchMs;
    record.checks.push(check('req/s on ÷ req/s off', gain, '>=', 2));
    if (p99Limit !== null) record.checks.push(check('p99 on (ms) vs max_delay + one 32-row run', on.latency.p99_ms, '<=', Number(p99Limit.toFixed(3))));
    record.extra.p99_limit_ms = p99Limit;
    record.extra.batch32_run_ms_in_process = this.heavyBatchMs;
    record.rows.push(
      loadRow('4b', `heavy, batching on (32 rows, 2 ms), ${connections} conn`, on, {
        ratio: `${times(gain)} 4a, p99 ${times(ratio(on.latency.p99_ms, off.latency.p99_ms))} 4a`,
        target: `≥2× 4a, p99 ≤${p99Limit === null ? '?' : p99Limit.toFixed(1)} ms`,
        verdict: verdictOf(record.checks),
      }),
    );
  }

  private async isolation(record: ScenarioRecord): Promise<void> {
    const lightConnections = Math.max(1, Math.round(this.connections / 4));
    const heavyConnections = this.connections;
    const gateway = this.gateways[0].url;
    const [alone] = await runLoads([this.spec('light alone', gateway, { connections: lightConnections })]);
    const [heavy, light] = await runLoads([this.heavySpec('heavy saturating', heavyConnections), this.spec('light beside heavy', gateway, { connections: lightConnections })]);
    for (const [name, o] of [['light alone', alone], ['heavy', heavy], ['light beside heavy', light]] as const) {
      record.failures.push(...servedEverything(o, `scenario 5 (${name})`));
    }
    record.runs = { light_alone: withoutHistogram(alone), heavy: withoutHistogram(heavy), light_beside_heavy: withoutHistogram(light) };
    const p99Ratio = ratio(light.latency.p99_ms, alone.latency.p99_ms);
    record.checks.push(check('light p99 beside heavy ÷ light p99 alone', p99Ratio, '<=', 2));
    record.rows.push(
      loadRow('5a', `light alone, ${lightConnections} conn`, alone, { ratio: 'the reference for 5c' }),
      loadRow('5b', `heavy, ${heavyConnections} conn (during 5c)`, heavy),
      loadRow('5c', `light, ${lightConnections} conn, beside saturated heavy`, light, {
        ratio: `p99 ${times(p99Ratio)} 5a, req/s ${times(ratio(light.rps, alone.rps))}`,
        target: 'p99 ≤2× 5a',
        verdict: verdictOf(record.checks),
      }),
    );
  }

  private async hotSwap(record: ScenarioRecord): Promise<void> {
    const durationS = this.durationS * 3;
    const gateway = this.gateways[0];
    const switches: Array<{ at_ms: number; version: number; status: number; took_ms: number }> = [];
    let switching: Promise<void> = Promise.resolve();
    const [outcome] = await runLoads([this.spec('hot swap', gateway.url, { durationS })], {
      onMeasuring: () => {
        switching = (async () => {
          const started = performance.now();
          const every = (durationS * 1000) / (SWITCHES + 1);
          for (let i = 1; i <= SWITCHES; i++) {
            const wait = started + i * every - performance.now();
            if (wait > 0) await sleep(wait);
            const version = i % 2 === 1 ? 3 : 1;
            const t0 = performance.now();
            let status = 0;
            try {
              status = (await call(`${this.registryUrl}/v1/models/${LIGHT}/aliases/champion`, 'PUT', { version })).status;
            } catch {
              status = 0;
            }
            switches.push({ at_ms: Math.round(t0 - started), version, status, took_ms: Number((performance.now() - t0).toFixed(1)) });
          }
        })();
      },
    });
    await switching;
    await this.waitForRollout(LIGHT).catch(() => undefined);
    const failedSwitches = switches.filter((s) => s.status !== 200);
    record.failures.push(...servedEverything(outcome, 'scenario 6'));
    if (failedSwitches.length) record.failures.push(`scenario 6: ${failedSwitches.length} of ${switches.length} champion switches did not answer 200`);
    record.runs.hot_swap = withoutHistogram(outcome);
    record.extra = { switches, steady_p99_ms: this.steadyP99 };
    record.checks.push(
      check('non-2xx + errors during switches', outcome.non2xx + outcome.errors, '<=', 0),
      check(`champion switches answered 200 (of ${SWITCHES})`, switches.filter((s) => s.status === 200).length, '>=', SWITCHES),
    );
    const p99Ratio = ratio(outcome.latency.p99_ms, this.steadyP99);
    record.rows.push(
      loadRow('6', `hot swap: ${switches.length} champion switches in ${durationS} s, ${this.connections} conn`, outcome, {
        ratio: `p99 ${times(p99Ratio)} steady (1)`,
        target: `0 non-2xx, ${SWITCHES} switches OK`,
        verdict: verdictOf(record.checks),
      }),
    );
  }

  private async twoProcesses(record: ScenarioRecord): Promise<void> {
    if (!this.gateways[1]) await this.startGateway(1);
    const perProcess = Math.max(1, Math.round(this.connections / 2));
    const outcomes = await runLoads(this.gateways.map((g) => this.spec(`gateway ${g.replica}`, g.url, { connections: perProcess })));
    const combined = combine('two gateways', outcomes);
    outcomes.forEach((o, i) => record.failures.push(...servedEverything(o, `scenario 2 (gateway-${i + 1})`)));
    record.runs = { combined: withoutHistogram(combined), processes: outcomes.map(withoutHistogram) };
    const r = this.bareRatios(combined);
    const vsBareTwo = ratio(combined.rps, this.bareTwo?.rps);
    record.checks.push(check('req/s (both) ÷ single-process bare req/s', r.rps, '>=', 1.3));
    record.extra = { per_process_rps: outcomes.map((o) => o.rps), ratio_to_bare_two_processes: vsBareTwo, ratio_to_single_gateway: ratio(combined.rps, (this.records.get(1)?.runs.gateway as LoadOutcome | undefined)?.rps) };
    record.notes.push(`two gateways: ${outcomes.map((o) => round(o.rps)).join(' + ')} req/s; ${times(vsBareTwo)} bare x2`);
    record.rows.push(
      loadRow('2', `two gateway processes, ${perProcess}+${perProcess} conn`, combined, {
        ratio: `${times(r.rps)} bare, ${times(vsBareTwo)} bare x2`,
        target: '≥1.3× bare',
        verdict: verdictOf(record.checks),
      }),
    );
  }

  private async propagation(record: ScenarioRecord): Promise<void> {
    if (!this.gateways[1]) await this.startGateway(1);
    await this.waitForRollout(LIGHT);
    interface Seen {
      version: number;
      at: number;
    }
    const latest: Seen[] = this.gateways.map(() => ({ version: 0, at: 0 }));
    const history: Seen[][] = this.gateways.map(() => []);
    let running = true;
    let pollErrors = 0;
    let polls = 0;
    const pollers = this.gateways.map(async (gateway, index) => {
      while (running) {
        try {
          const response = await fetch(`${gateway.url}/v1/models/${LIGHT}/predict`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-switchyard-variant': 'champion' },
            body: LIGHT_PREDICT_BODY,
          });
          await response.arrayBuffer();
          const at = performance.now();
          polls++;
          if (!response.ok) {
            pollErrors++;
            continue;
          }
          const seen = { version: Number(response.headers.get('x-switchyard-version')), at };
          latest[index] = seen;
          history[index].push(seen);
          if (history[index].length > 10_000) history[index].splice(0, 5_000);
        } catch {
          pollErrors++;
          await sleep(5);
        }
      }
    });
    const changes: Array<{ to: number; first_ms: number | null; all_ms: number | null; per_replica_ms: Array<number | null>; status: number; regressions: number }> = [];
    try {
      await poll('both replicas answering', 10_000, async () => (latest.every((l) => l.version > 0) ? true : undefined), 20);
      for (let i = 0; i < PROPAGATION_CHANGES; i++) {
        const current = (await call(`${this.registryUrl}/v1/models/${LIGHT}/deployment`, 'GET')).body.champion.version as number;
        const to = current === 1 ? 3 : 1;
        const sent = performance.now();
        const answer = await call(`${this.registryUrl}/v1/models/${LIGHT}/aliases/champion`, 'PUT', { version: to });
        const acknowledged = performance.now();
        if (answer.status !== 200) {
          changes.push({ to, first_ms: null, all_ms: null, per_replica_ms: [], status: answer.status, regressions: 0 });
          continue;
        }
        // First response from the new version on each replica (completed after the PUT was sent),
        // measured from the registry's 200; negative (seen before the 200 arrived) counts as 0.
        const firstSeen = await poll(
          `change ${i + 1} (champion → v${to}) on both replicas`,
          10_000,
          async () => {
            const found = history.map((h) => h.find((s) => s.at >= sent && s.version === to)?.at ?? null);
            return found.every((f) => f !== null) ? (found as number[]) : undefined;
          },
          2,
        ).catch(() => history.map((h) => h.find((s) => s.at >= sent && s.version === to)?.at ?? null));
        const perReplica = firstSeen.map((at) => (at === null ? null : Math.max(0, at - acknowledged)));
        const known = perReplica.filter((v): v is number => v !== null);
        // A replica that answers with the old version after it served the new one.
        await sleep(100);
        const regressions = history.reduce((sum, h, index) => {
          const from = firstSeen[index];
          return from === null ? sum : sum + h.filter((s) => s.at > from && s.version !== to).length;
        }, 0);
        changes.push({
          to,
          first_ms: known.length ? Number(Math.min(...known).toFixed(3)) : null,
          all_ms: known.length === perReplica.length ? Number(Math.max(...known).toFixed(3)) : null,
          per_replica_ms: perReplica.map((v) => (v === null ? null : Number(v.toFixed(3)))),
          status: answer.status,
          regressions,
        });
      }
    } finally {
      running = false;
      await Promise.all(pollers);
    }
    const first = changes.map((c) => c.first_ms).filter((v): v is number => v !== null);
    const all = changes.map((c) => c.all_ms).filter((v): v is number => v !== null);
    const missing = changes.filter((c) => c.all_ms === null).length;
    const regressions = changes.reduce((sum, c) => sum + c.regressions, 0);
    if (missing) record.failures.push(`scenario 7: ${missing} of ${changes.length} changes did not reach both replicas within 10 s (or the PUT failed)`);
    if (pollErrors) record.failures.push(`scenario 7: ${pollErrors} of ${polls} polls failed`);
    if (regressions) record.notes.push(`${regressions} responses from the old version after a replica had served the new one`);
    const p99All = missing ? Infinity : percentile(all, 99);
    record.checks.push(check('p99 time to all replicas (ms)', p99All, '<=', 1000));
    record.extra = { changes, polls, poll_errors: pollErrors, regressions, first_ms: { p50: percentile(first, 50), p99: percentile(first, 99) }, all_ms: { p50: percentile(all, 50), p99: percentile(all, 99) } };
    record.rows.push({
      id: '7',
      scenario: `propagation: ${changes.length} changes, 2 replicas (to all)`,
      figure: '—',
      p50: ms(percentile(all, 50)),
      p99: missing ? 'timeout' : ms(percentile(all, 99)),
      non2xx: String(pollErrors),
      errors: String(missing),
      ratio: `first: p50 ${ms(percentile(first, 50))}, p99 ${ms(percentile(first, 99))} ms`,
      target: 'p99 (all) ≤1000 ms',
      verdict: verdictOf(record.checks),
    });
  }

  private async uploadScenario(record: ScenarioRecord): Promise<void> {
    const dir = path.join(this.work, 'upload-artifacts');
    // Its own Redis prefix: the bench's worker must not spend the rest of the run validating 1 GiB of filler.
    let row: UploadRow;
    try {
      row = await measureUpload('file', { DATABASE_URL: this.databaseUrl, REDIS_URL: this.redisUrl, REDIS_PREFIX: `${this.prefix}-upload`, ARTIFACT_STORE_URL: `file://${dir}`, HOST: '127.0.0.1', AUTH_ENABLED: 'false' }, this.options.uploadMib);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    record.runs.upload = row;
    record.checks.push(check('RSS growth (MiB)', row.rss_growth_mib, '<=', 64));
    record.rows.push({
      id: '8',
      scenario: `upload ${row.size_mib} MiB → file store`,
      figure: `${row.mb_per_s} MB/s`,
      p50: '—',
      p99: '—',
      non2xx: row.status === 201 ? '0' : '1',
      errors: '0',
      ratio: `RSS +${row.rss_growth_mib} MiB (${row.seconds} s)`,
      target: 'RSS growth ≤64 MiB',
      verdict: verdictOf(record.checks),
    });
  }

  // --- the whole run -----------------------------------------------------------------------------------

  async runAll(): Promise<number> {
    const started = new Date();
    const machine = {
      cores: os.cpus().length,
      cpu_model: os.cpus()[0]?.model ?? 'unknown',
      node: process.version,
      platform: `${os.platform()} ${os.release()} ${os.arch()}`,
      total_memory_gib: Number((os.totalmem() / 1024 ** 3).toFixed(1)),
      onnxruntime_node: (require('onnxruntime-node/package.json') as { version: string }).version,
      autocannon: (require('autocannon/package.json') as { version: string }).version,
      /** Other work on the machine disturbs every figure; the 1-minute load average says how much there was. */
      load_average_at_start: os.loadavg().map((l) => Number(l.toFixed(2))),
    };
    console.log(
      `Switchyard bench — ${machine.cores} cores (${machine.cpu_model}), ${machine.total_memory_gib} GiB, Node ${machine.node}; ` +
        `load generator: autocannon ${machine.autocannon} in child processes on the same cores`,
    );
    console.log(`scenarios ${this.options.only.join(',')}; ${this.durationS} s per run after ${this.warmupS} s warm-up; ${this.connections} connections`);
    const overrides = Object.entries(process.env).filter(([key]) => key.startsWith('GATEWAY_'));
    if (overrides.length) console.log(`gateway settings from the environment: ${overrides.map(([k, v]) => `${k}=${v}`).join(' ')}`);
    if (os.loadavg()[0] > 0.5) console.log(`warning: 1-minute load average is ${os.loadavg()[0].toFixed(2)} before the run: other work on the machine will lower the figures`);
    await mkdir(this.work, { recursive: true });

    const needsSystem = this.options.only.some((id) => id <= 7 || id >= 9);
    const needsBare = this.options.only.some((id) => id <= 3);
    process.stderr.write('baselines …');
    await this.measureInProcess();
    if (needsBare) await this.measureBare();
    process.stderr.write(' done\n');
    if (needsSystem || this.selected(8) || this.selected(9) || this.selected(10)) await this.prepareDatabase();
    if (needsSystem) {
      process.stderr.write('starting registry, worker, gateway and registering models …');
      await this.startSystem();
      process.stderr.write(' done\n');
    }
    const lastWithTwo = EXECUTION_ORDER.filter((id) => this.selected(id) && (id === 2 || id === 7)).pop();
    for (const id of EXECUTION_ORDER) {
      if (!this.selected(id)) continue;
      await this.scenario(id);
      if (id === lastWithTwo && this.gateways[1]) {
        await this.stopProcess(this.gateways[1].process);
        this.gateways.length = 1;
      }
    }

    const records = [...this.records.values()].sort((a, b) => a.id - b.id);
    const rows = [...this.baselineRows, ...records.flatMap((r) => r.rows)];
    console.log('');
    printTable(rows);
    console.log('');
    for (const r of records) {
      for (const c of r.checks.filter((c) => c.pass === false)) console.log(`missed: ${r.id} ${r.name}: ${c.what} = ${c.value} (target ${c.op} ${c.limit})`);
      for (const note of r.notes) console.log(`note: ${r.id} ${r.name}: ${note}`);
    }
    const failures = records.flatMap((r) => r.failures);
    for (const failure of failures) console.log(`FAILED: ${failure}`);
    if (this.profileSummary) {
      console.log('\ngateway CPU profile during scenario 1, self time by package:');
      for (const p of this.profileSummary.packages.slice(0, 12)) console.log(`  ${p.percent.toFixed(1).padStart(5)}%  ${p.self_ms.toFixed(1).padStart(9)} ms  ${p.pkg}`);
      console.log('top self-time functions:');
      for (const f of this.profileSummary.functions) console.log(`  ${f.percent.toFixed(1).padStart(5)}%  ${f.self_ms.toFixed(1).padStart(9)} ms  ${f.fn}`);
    }

    const exitCode = failures.length ? 1 : 0;
    const file = path.join(__dirname, '..', '..', 'bench', 'results', `${started.toISOString().replace(/[:.]/g, '-')}.json`);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(
      file,
      JSON.stringify(
        {
          benchmark: 'gateway',
          started_at: started.toISOString(),
          finished_at: new Date().toISOString(),
          options: { ...this.options, warmup_s: this.warmupS },
          /** Gateway settings passed through from the bench's own environment (defaults otherwise). */
          gateway_env: Object.fromEntries(Object.entries(process.env).filter(([key]) => key.startsWith('GATEWAY_'))),
          machine: { ...machine, load_average_at_end: os.loadavg().map((l) => Number(l.toFixed(2))) },
          latency_note: 'p50/p99 from every 2xx response time at µs resolution (autocannon response events); autocannon.latency holds its own whole-millisecond histogram',
          baselines: this.baselines,
          scenarios: records.map((r) => ({ id: r.id, name: r.name, verdict: r.verdict, checks: r.checks, failures: r.failures, notes: r.notes, error: r.error ?? null, runs: r.runs, extra: r.extra, rows: r.rows })),
          table: rows,
          failures,
          exit_code: exitCode,
        },
        null,
        2,
      ),
    );
    console.log(`wrote ${path.relative(process.cwd(), file)}`);
    return exitCode;
  }
}

async function main(): Promise<void> {
  const parsed = parseArgs(process.argv.slice(2));
  if (parsed.kind === 'help') {
    console.log(USAGE);
    return;
  }
  if (parsed.kind === 'error') {
    console.error(`${parsed.message}\n\n${USAGE}`);
    process.exit(2);
  }
  const { options } = parsed;
  const bench = new Bench(options);
  // About 14 load runs of warm-up + duration (scenario 6 counts three), set-up, and the upload at ≥ 20 MB/s:
  // a default run takes 4–5 minutes; the watchdog ends it at 9.5 unless long durations were asked for.
  const estimateS = 120 + 14 * (options.durationS + 2) + options.uploadMib / 20;
  const budgetS = Math.max(570, Math.ceil(estimateS * 1.5));
  const abort = (why: string, code: number) => {
    console.error(why);
    void bench.cleanup().finally(() => process.exit(code));
  };
  const watchdog = setTimeout(() => abort(`the bench ran for more than ${budgetS} s; stopping everything it started`, 1), budgetS * 1000);
  watchdog.unref();
  process.once('SIGINT', () => abort('interrupted; stopping everything the bench started', 130));
  process.once('SIGTERM', () => abort('terminated; stopping everything the bench started', 143));
  let exitCode = 1;
  try {
    exitCode = await bench.runAll();
  } finally {
    await bench.cleanup();
    clearTimeout(watchdog);
  }
  process.exit(exitCode);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.stack ?? error.message : error);
    process.exit(1);
  });
}
