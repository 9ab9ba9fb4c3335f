import * as path from 'node:path';
import { parseArgs as parseNodeArgs } from 'node:util';
import { DIST } from '../test/support/processes';
import { stopWhenOverdueOrSignalled } from './bounded-run';
import { type CommandLine, optionsOrUsage, setPositiveOptions } from './cli';
import { type LoadSpec } from './load';
import { buildModels, LIGHT, LIGHT_FEATURES, LIGHT_FEATURES_USAGE, LIGHT_PREDICT_BODY } from './models';
import { loadsWithCpu } from './process-cpu';
import { SystemUnderTest } from './system';

/**
 * Two gateways on one system at once, each under the same fixed request rate, compared round by round
 * by their own CPU time per response. On this shared, noisy machine kind a saturated run's req/s and
 * CPU per response swing by more than most single changes do, from one run to the next; two gateways
 * measured over the same seconds see the same noise, so their ratio resolves a few per cent. Compare
 * two builds (`--a`, `--b`: each a `dist` folder, e.g. a copy of this one made before a change) or two
 * settings of one (`--env-b KEY=VALUE`). Run the same build against itself first: the spread of that
 * ratio is the resolution of the comparison. `--a bare` puts the bare server (bench/bare-server.ts) in
 * A's place: B/A is then the gateway's CPU per prediction against bare's at the same rate, the figure
 * issue 14's "≤ 1.25× bare's" is about, without the saturation that moves it in `npm run bench`.
 */

/** `--a bare`: the bare server instead of gateway A. */
export const BARE = 'bare';

export const USAGE = `usage: node dist/bench/side-by-side.js [options]        (npm run bench:side-by-side -- [options])

  --a <dist>|bare        the build of gateway A (a dist folder; default: this build), or \`bare\`: the bare
                         server of npm run bench (plain Fastify and onnxruntime, this build) in A's place
  --b <dist>             the build of gateway B (default: this build)
  --env-a KEY=VALUE      a setting of gateway A only (repeatable)
  --env-b KEY=VALUE      a setting of gateway B only (repeatable), e.g. PREDICTION_LOG_ENABLED=false
  --rate <n>             requests per second on each gateway (default 1500)
  --seconds <s>          measured seconds per round, after 2 s of warm-up (default 12)
  --rounds <n>           rounds (default 4)
  --connections <n>      connections per gateway (default 16)
  --help                 this message

Each round loads both gateways with /v1 predict on the light model (1,000 routing keys) at once and
prints each one's CPU µs per response (and its p99) and B/A; the end, the median and range of B/A.
${LIGHT_FEATURES_USAGE}`;

export interface SideBySideOptions {
  a: string;
  b: string;
  envA: Record<string, string>;
  envB: Record<string, string>;
  rate: number;
  seconds: number;
  rounds: number;
  connections: number;
}

export function parseSideBySideArgs(argv: string[]): CommandLine<SideBySideOptions> {
  let values;
  try {
    ({ values } = parseNodeArgs({
      args: argv,
      options: {
        a: { type: 'string' },
        b: { type: 'string' },
        'env-a': { type: 'string', multiple: true },
        'env-b': { type: 'string', multiple: true },
        rate: { type: 'string' },
        seconds: { type: 'string' },
        rounds: { type: 'string' },
        connections: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    return { kind: 'error', message: (error as Error).message };
  }
  if (values.help) return { kind: 'help' };
  const options: SideBySideOptions = { a: values.a === BARE ? BARE : path.resolve(values.a ?? DIST), b: path.resolve(values.b ?? DIST), envA: {}, envB: {}, rate: 1500, seconds: 12, rounds: 4, connections: 16 };
  for (const [flag, target] of [['env-a', options.envA], ['env-b', options.envB]] as const) {
    for (const setting of values[flag] ?? []) {
      const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(setting);
      if (!match) return { kind: 'error', message: `--${flag} expects KEY=VALUE, got ${JSON.stringify(setting)}` };
      target[match[1]] = match[2];
    }
  }
  if (options.a === BARE && Object.keys(options.envA).length > 0) return { kind: 'error', message: '--env-a does not apply to --a bare: the bare server takes no settings' };
  const refused = setPositiveOptions(options, values, [['rate', false], ['seconds', false], ['rounds', true], ['connections', true]]);
  return refused === undefined ? { kind: 'run', options } : { kind: 'error', message: refused };
}

/** The rounds' B/A ratios of CPU per response: each, their median, and their range. */
export function summariseRounds(rounds: Array<{ a: number; b: number }>): { ratios: number[]; median: number; min: number; max: number } {
  const ratios = rounds.map((round) => round.b / round.a);
  const sorted = [...ratios].sort((x, y) => x - y);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  return { ratios, median, min: sorted[0], max: sorted[sorted.length - 1] };
}

async function main(): Promise<void> {
  const options = optionsOrUsage(parseSideBySideArgs(process.argv.slice(2)), USAGE);
  if (!options) return;
  const system = new SystemUnderTest(buildModels(), null);
  // Every load is bounded; this also bounds the start and a gateway that never answers.
  const budgetS = Math.max(300, Math.ceil(1.5 * (120 + options.rounds * (options.seconds + 2))));
  const watchdog = stopWhenOverdueOrSignalled('the side-by-side', budgetS, () => system.cleanup());
  try {
    process.stdout.write('starting registry, worker and registering models … ');
    await system.prepareDatabase();
    await system.start();
    // Only A and B take load: the system's own first gateway would only poll beside them.
    await system.stopProcess(system.gateways[0].process);
    const gateways = [
      { label: 'A', ...(options.a === BARE ? await system.bareServer() : await system.extraGateway('gateway-a', options.envA, {}, options.a)) },
      { label: 'B', ...(await system.extraGateway('gateway-b', options.envB, {}, options.b)) },
    ];
    console.log('done');
    console.log(`A: ${options.a} ${JSON.stringify(options.envA)}\nB: ${options.b} ${JSON.stringify(options.envB)}\n${options.rate} req/s each, ${options.rounds} rounds of ${options.seconds} s, light model of ${LIGHT_FEATURES} input features`);
    const spec = (label: string, url: string): LoadSpec => ({
      label,
      url,
      path: `/v1/models/${LIGHT}/predict`,
      body: LIGHT_PREDICT_BODY,
      routingKeys: 1000,
      connections: options.connections,
      durationS: options.seconds,
      warmupS: 2,
      ratePerSecond: options.rate,
    });
    const rounds: Array<{ a: number; b: number }> = [];
    let failed = 0;
    for (let round = 1; round <= options.rounds; round++) {
      const [a, b] = await loadsWithCpu(gateways.map((g) => ({ spec: spec(g.label, g.url), pid: g.process.child.pid! })));
      rounds.push({ a: a.cpuUsPerRequest, b: b.cpuUsPerRequest });
      failed += a.outcome.non2xx + a.outcome.errors + b.outcome.non2xx + b.outcome.errors;
      const side = (x: typeof a) =>
        `${x.cpuUsPerRequest.toFixed(1)} µs (${x.outcome.rps} req/s, p99 ${x.outcome.latency.p99_ms.toFixed(3)} ms, ${x.outcome.non2xx} non-2xx, ${x.outcome.errors} errors)`;
      console.log(`round ${round}: A ${side(a)}  B ${side(b)}  B/A ${(b.cpuUsPerRequest / a.cpuUsPerRequest).toFixed(3)}`);
    }
    const summary = summariseRounds(rounds);
    console.log(`B/A CPU per response: median ${summary.median.toFixed(3)}, range ${summary.min.toFixed(3)}–${summary.max.toFixed(3)}`);
    if (failed > 0) {
      console.error(`${failed} requests were not answered with a 2xx: the comparison is not of like with like`);
      process.exitCode = 1;
    }
  } finally {
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
