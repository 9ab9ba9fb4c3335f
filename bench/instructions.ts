import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import * as http from 'node:http';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { parseArgs as parseNodeArgs } from 'node:util';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { timeOrderedUuid } from '@switchyard/http';
import { EVENTS_PER_STREAM_ENTRY, predictionStreamKey, STREAM_BATCH_FIELD } from '@switchyard/queues';
import { DIST, freePort, type Spawned, waitForHttp } from '../test/support/processes';
import { stopWhenOverdueOrSignalled } from './bounded-run';
import { type CostDifference, type FunctionCost, parseAnnotate, parsePerfMap, summariseWindow, type WindowSummary, workDifference, type WorkDifference } from './callgrind';
import { type CommandLine, optionsOrUsage, setPositiveOptions } from './cli';
import { poll } from './http';
import { buildModels, LIGHT, LIGHT_PREDICT_BODY, ROUTING_KEYS } from './models';
import { SystemUnderTest } from './system';

const run = promisify(execFile);

/**
 * Instructions per `/v1` prediction, and per logged prediction the worker ingests, counted by callgrind:
 * the measure this machine kind's load does not move (a CPU-time figure here moves by a fifth between
 * runs minutes apart). Each server runs under
 * `valgrind --tool=callgrind` with instrumentation off, takes `--warm` predictions (four keep-alive
 * connections, 1,000 routing keys), then is counted over `--windows` windows of `--window` predictions,
 * each dumped on its own. For each window: instructions per request in all, in V8's garbage collection,
 * in its compilers, and in the rest (the work); and the functions of the work, V8's code named through
 * the perf map of `node --perf-basic-prof`. Windows differ by how much collection and compilation fall
 * into them (V8 times both by the clock, which valgrind slows); compare the work, and functions.
 */
export const USAGE = `usage: node dist/bench/instructions.js [options]        (npm run bench:instructions -- [options])

  --target <list>        processes to count, in order: bare, gateway, gateway-log-off, worker
                         (default bare,gateway); the worker is counted per logged prediction it ingests
  --dist <dir>           the build the gateway and worker run from (default: this build)
  --warm <n>             predictions (for the worker: logged predictions) before counting (default 20000)
  --window <n>           predictions per counted window (default 3000; the worker's, in entries of ${EVENTS_PER_STREAM_ENTRY})
  --windows <n>          windows (default 3)
  --top <n>              functions listed per window (default 25)
  --keep <dir>           keep each window's callgrind dump and the perf map there, to read callers with
                         callgrind_annotate --tree=caller (the map names V8's code by address)
  --help                 this message

Needs valgrind (callgrind_control beside it). A gateway with the log on takes 5–10 minutes under it,
the worker about as long.
Writes bench/results/instructions-<time>.json.`;

const TARGETS = ['bare', 'gateway', 'gateway-log-off', 'worker'] as const;
type Target = (typeof TARGETS)[number];

export interface InstructionOptions {
  targets: Target[];
  dist: string;
  warm: number;
  window: number;
  windows: number;
  top: number;
  /** Where each window's dump and the perf map are kept; by default they go with the run's directory. */
  keep?: string;
}

export function parseInstructionArgs(argv: string[]): CommandLine<InstructionOptions> {
  let values;
  try {
    ({ values } = parseNodeArgs({
      args: argv,
      options: {
        target: { type: 'string' },
        dist: { type: 'string' },
        warm: { type: 'string' },
        window: { type: 'string' },
        windows: { type: 'string' },
        top: { type: 'string' },
        keep: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    return { kind: 'error', message: (error as Error).message };
  }
  if (values.help) return { kind: 'help' };
  const targets = (values.target ?? 'bare,gateway').split(',').map((target) => target.trim());
  const unknown = targets.find((target) => !(TARGETS as readonly string[]).includes(target));
  if (unknown !== undefined || targets.length === 0) return { kind: 'error', message: `--target takes ${TARGETS.join(', ')}; got ${JSON.stringify(unknown ?? '')}` };
  const options: InstructionOptions = { targets: targets as Target[], dist: path.resolve(values.dist ?? DIST), warm: 20_000, window: 3_000, windows: 3, top: 25 };
  if (values.keep !== undefined) options.keep = path.resolve(values.keep);
  const refused = setPositiveOptions(options, values, [['warm', true], ['window', true], ['windows', true], ['top', true]]);
  return refused === undefined ? { kind: 'run', options } : { kind: 'error', message: refused };
}

/** `count` predictions on four keep-alive connections; the number answered other than 200. */
async function predict(port: number, count: number, agent: http.Agent): Promise<number> {
  let next = 0;
  let refused = 0;
  const one = (key: number) =>
    new Promise<number>((resolve, reject) => {
      const request = http.request(
        {
          host: '127.0.0.1',
          port,
          path: `/v1/models/${LIGHT}/predict`,
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'x-routing-key': `user-${key}`, 'content-length': Buffer.byteLength(LIGHT_PREDICT_BODY) },
        },
        (response) => {
          response.resume();
          response.on('end', () => resolve(response.statusCode ?? 0));
        },
      );
      request.on('error', reject);
      request.end(LIGHT_PREDICT_BODY);
    });
  await Promise.all(
    [0, 1, 2, 3].map(async () => {
      while (next < count) if ((await one(next++ % ROUTING_KEYS)) !== 200) refused++;
    }),
  );
  return refused;
}

/**
 * What a counted process is given: a server `count` predictions, the worker `count` logged predictions
 * (rounded up to whole stream entries) to ingest. Resolves once all of them are done.
 */
interface CountedLoad {
  /** What one unit is, for the output: a request or an event. */
  unit: 'request' | 'event';
  ready(server: Spawned): Promise<void>;
  give(count: number): Promise<void>;
  close(): Promise<void>;
}

function predictionLoad(port: number, agent: http.Agent, target: Target): CountedLoad {
  return {
    unit: 'request',
    async ready(server) {
      const deadline = Date.now() + 300_000;
      for (;;) {
        if ((await predict(port, 1, agent).catch(() => 1)) === 0) return;
        if (server.child.exitCode !== null || Date.now() > deadline) throw new Error(`${target} did not serve within 300 s:\n${server.output().slice(-2000)}`);
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    },
    async give(count) {
      const refused = await predict(port, count, agent);
      if (refused > 0) throw new Error(`${target} refused ${refused} of ${count} predictions`);
    },
    close: async () => undefined,
  };
}

/**
 * Logged predictions as a gateway writes them (JSON entries of 500; the light model's summaries, a
 * time-ordered request id, 1 in 10 on the challenger), appended to the stream one entry at a time, each
 * once the one before is in PostgreSQL: the worker then ingests batches of one entry, as it does beside
 * a gateway that flushes a few thousand a second. (Pushed without waiting, they would pile up behind a
 * worker slowed by valgrind into batches of twenty entries, whose costs differ.) A model name of their
 * own, so rows from earlier targets' gateways do not count.
 */
function ingestionLoad(system: SystemUnderTest, workerPort: number): CountedLoad {
  const redis = new Redis(system.redisUrl);
  const pg = new Client({ connectionString: system.databaseUrl });
  const model = `instructions-${process.pid}`;
  let given = 0;
  const entry = () =>
    JSON.stringify(
      Array.from({ length: EVENTS_PER_STREAM_ENTRY }, (_, i) => ({
        request_id: timeOrderedUuid(),
        model,
        version: 1,
        variant: i % 10 === 0 ? 'challenger' : 'champion',
        routing_key_hash: randomBytes(16).toString('hex'),
        at: Date.now(),
        latency_us: 150 + (i % 200),
        status: 200,
        error: null,
        inputs: { input: Math.random() * 2 - 1 },
        output: { value: Math.random() },
        payload: null,
      })),
    );
  const rows = async () => Number((await pg.query('SELECT count(*) AS n FROM prediction_log WHERE model_name = $1', [model])).rows[0].n);
  return {
    unit: 'event',
    async ready(server) {
      await pg.connect();
      await waitForHttp(`http://127.0.0.1:${workerPort}/health/ready`, 300_000).catch((error: unknown) => {
        throw new Error(`the worker did not start: ${(error as Error).message}\n${server.output().slice(-2000)}`);
      });
    },
    async give(count) {
      for (let i = 0; i < Math.ceil(count / EVENTS_PER_STREAM_ENTRY); i++) {
        await redis.xadd(predictionStreamKey(system.prefix), '*', STREAM_BATCH_FIELD, entry());
        given += EVENTS_PER_STREAM_ENTRY;
        await poll(`${given} events ingested`, 300_000, async () => ((await rows()) >= given ? true : undefined), 50);
      }
    },
    async close() {
      redis.disconnect();
      await pg.end();
    },
  };
}

/** A counted window: its summary, and every function's cost in it (for the difference against bare). */
interface CountedWindow {
  summary: WindowSummary;
  costs: FunctionCost[];
}

async function countTarget(system: SystemUnderTest, target: Target, options: InstructionOptions, agent: http.Agent): Promise<CountedWindow[]> {
  const port = await freePort();
  const outDir = path.join(system.work, `callgrind-${target}`);
  await mkdir(outDir, { recursive: true });
  let env: Record<string, string>;
  let entry: string;
  let load: CountedLoad;
  if (target === 'worker') {
    // The counted worker takes the stream alone, from its end: the system's worker is stopped and what
    // earlier targets' gateways logged is dropped.
    await system.stopWorker();
    const redis = new Redis(system.redisUrl);
    await redis.xtrim(predictionStreamKey(system.prefix), 'MAXLEN', 0).finally(() => redis.disconnect());
    env = system.workerEnv(port);
    entry = path.join(options.dist, 'apps/worker/src/main.js');
    load = ingestionLoad(system, port);
  } else if (target === 'bare') {
    env = { BARE_PORT: String(port), BARE_MODEL_FILE: path.join(system.work, 'light.onnx'), HOST: '127.0.0.1' };
    entry = path.join(DIST, 'bench/bare-server.js');
    load = predictionLoad(port, agent, target);
  } else {
    env = {
      ...system.gatewayEnv(`counted-${target}`, port),
      // The registry's poll stays out of the windows; the cost measurement would otherwise send the
      // light model to an inference thread under valgrind's slowed clock, which it does not do natively.
      DEPLOYMENT_POLL_MS: '600000',
      GATEWAY_OFFLOAD_ABOVE_MS: '1000',
      PREDICTION_LOG_ENABLED: target === 'gateway-log-off' ? 'false' : 'true',
    };
    entry = path.join(options.dist, 'apps/gateway/src/main.js');
    load = predictionLoad(port, agent, target);
  }
  // vgdb, behind callgrind_control, names its pipes by $HOST: the same for the counted process and for us.
  env.HOST = '127.0.0.1';
  const server = system.runCommand(
    'valgrind',
    ['--tool=callgrind', '--instr-atstart=no', '--smc-check=all-non-file', `--callgrind-out-file=${outDir}/callgrind.out`, process.execPath, '--perf-basic-prof', entry],
    env,
  );
  const pid = String(server.child.pid);
  const control = (...args: string[]) => run('callgrind_control', [...args, pid], { env: { ...process.env, HOST: env.HOST } });
  try {
    console.log(`${target}: started under callgrind (PID ${pid}); waiting for it to be ready, then ${options.warm} ${load.unit}s before counting`);
    await load.ready(server);
    await load.give(options.warm);
    await control('-i', 'on');
    const windows: CountedWindow[] = [];
    for (let window = 1; window <= options.windows; window++) {
      await control('-z');
      await load.give(options.window);
      await control('-d', `window-${window}`);
      const dump = `${outDir}/callgrind.out.${window}`;
      const annotated = await run('callgrind_annotate', ['--threshold=100', '--inclusive=no', dump], { maxBuffer: 64 * 1024 * 1024 });
      const perfMap = parsePerfMap(await readFile(`/tmp/perf-${pid}.map`, 'utf8'));
      const counted = load.unit === 'event' ? Math.ceil(options.window / EVENTS_PER_STREAM_ENTRY) * EVENTS_PER_STREAM_ENTRY : options.window;
      const costs = parseAnnotate(annotated.stdout, perfMap);
      const summary = summariseWindow(costs, counted, options.top);
      windows.push({ summary, costs });
      console.log(`${target} window ${window}: ${summary.total} instructions per ${load.unit} (gc ${summary.gc}, compiler ${summary.compiler}, work ${summary.work})`);
      if (options.keep) await copyFile(dump, path.join(options.keep, `${target}.callgrind.out.${window}`));
    }
    return windows;
  } finally {
    await load.close();
    await system.stopProcess(server);
    if (options.keep) await copyFile(`/tmp/perf-${pid}.map`, path.join(options.keep, `${target}.perf.map`)).catch(() => undefined);
    await rm(`/tmp/perf-${pid}.map`, { force: true });
  }
}

/**
 * Each server counted beside bare, against bare: its quietest window's work less bare's, per request, by
 * layer and by function (printed, and returned for the JSON). What bare does not do is the gap.
 */
function againstBare(quietest: Partial<Record<Target, CountedWindow>>, top: number): Record<string, WorkDifference> {
  const bare = quietest.bare;
  const differences: Record<string, WorkDifference> = {};
  if (!bare) return differences;
  for (const target of ['gateway', 'gateway-log-off'] as const) {
    const counted = quietest[target];
    if (!counted) continue;
    const { layers, functions } = workDifference(counted.costs, counted.summary.requests, bare.costs, bare.summary.requests);
    const width = Math.max(9, target.length + 1);
    const row = (more: string, it: string, base: string, name: string) => `${more.padStart(9)}${it.padStart(width)}${base.padStart(9)}  ${name.slice(0, 120)}`;
    const line = (d: CostDifference) => row(signed(d.difference), String(d.subject), String(d.baseline), d.name);
    console.log(`${target} against bare, the work per request in their quietest windows: ${counted.summary.work} against ${bare.summary.work} (${signed(counted.summary.work - bare.summary.work)})`);
    console.log(row('more by', target, 'bare', 'layer'));
    for (const layer of layers) console.log(line(layer));
    console.log(row('more by', target, 'bare', `the ${top} functions it spends most more on than bare`));
    for (const fn of functions.slice(0, top)) console.log(line(fn));
    console.log('');
    differences[target] = { layers, functions: functions.slice(0, 100) };
  }
  return differences;
}

function signed(value: number): string {
  return value > 0 ? `+${value}` : String(value);
}

async function main(): Promise<void> {
  const options = optionsOrUsage(parseInstructionArgs(process.argv.slice(2)), USAGE);
  if (!options) return;
  const system = new SystemUnderTest(buildModels(), null);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const watchdog = stopWhenOverdueOrSignalled('the instruction count', 900 * options.targets.length, () => system.cleanup());
  try {
    process.stdout.write('starting registry, worker and registering models … ');
    if (options.keep) await mkdir(options.keep, { recursive: true });
    await system.prepareDatabase();
    await system.start();
    console.log('done');
    // Only the counted server takes requests: the system's own gateway would only poll beside it.
    await system.stopProcess(system.gateways[0].process);
    await writeFile(path.join(system.work, 'light.onnx'), system.models.light[0]);
    const results: Record<string, WindowSummary[]> = {};
    const quietest: Partial<Record<Target, CountedWindow>> = {};
    for (const target of options.targets) {
      const windows = await countTarget(system, target, options, agent);
      results[target] = windows.map((window) => window.summary);
      const least = windows.reduce((best, window) => (window.summary.work < best.summary.work ? window : best));
      quietest[target] = least;
      console.log(`\n${target}: the work's functions in its quietest window (instructions per ${target === 'worker' ? 'event' : 'request'})`);
      for (const cost of least.summary.top) console.log(`${String(cost.instructions).padStart(9)}  ${cost.name.slice(0, 140)}`);
      console.log('');
    }
    const differences = againstBare(quietest, options.top);
    const file = path.join(__dirname, '..', '..', 'bench', 'results', `instructions-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, JSON.stringify({ options, results, differences }, null, 2));
    console.log(`wrote ${path.relative(process.cwd(), file)}`);
  } finally {
    agent.destroy();
    await system.cleanup();
    clearTimeout(watchdog);
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
