import { mkdir, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ProfileSummary } from './cpu-profile';
import { DEFAULT_LIGHT_FEATURES, LIGHT_FEATURES } from './models';
import type { Row, ScenarioRecord } from './record';
import type { Bench } from './runner';

/** What the bench prints, and the JSON file it writes under bench/results/. */

export interface Machine {
  cores: number;
  cpu_model: string;
  node: string;
  platform: string;
  total_memory_gib: number;
  onnxruntime_node: string;
  autocannon: string;
  load_average_at_start: number[];
}

export function describeMachine(): Machine {
  return {
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
}

/** Gateway settings passed through from the bench's own environment (defaults otherwise). */
function gatewayEnv(): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => key.startsWith('GATEWAY_')));
}

export function printHeader(machine: Machine, bench: Bench): void {
  console.log(
    `Switchyard bench — ${machine.cores} cores (${machine.cpu_model}), ${machine.total_memory_gib} GiB, Node ${machine.node}; ` +
      `load generator: autocannon ${machine.autocannon} in child processes on the same cores`,
  );
  console.log(`scenarios ${bench.options.only.join(',')}; ${bench.durationS} s per run after ${bench.warmupS} s warm-up; ${bench.connections} connections`);
  if (LIGHT_FEATURES !== DEFAULT_LIGHT_FEATURES) console.log(`light model: ${LIGHT_FEATURES} input features (BENCH_LIGHT_FEATURES)`);
  const overrides = Object.entries(gatewayEnv());
  if (overrides.length) console.log(`gateway settings from the environment: ${overrides.map(([k, v]) => `${k}=${v}`).join(' ')}`);
  if (os.loadavg()[0] > 0.5) console.log(`warning: 1-minute load average is ${os.loadavg()[0].toFixed(2)} before the run: other work on the machine will lower the figures`);
}

export function formatTable(rows: Row[]): string {
  const columns: Array<[keyof Row, string]> = [
    ['id', '#'],
    ['scenario', 'scenario'],
    ['figure', 'req/s'],
    ['p50', 'p50 ms'],
    ['p99', 'p99 ms'],
    ['non2xx', 'non-2xx'],
    ['errors', 'errors'],
    ['cpu', 'CPU µs/resp'],
    ['ratio', 'ratio'],
    ['target', 'target'],
    ['verdict', 'verdict'],
  ];
  const numeric = new Set<keyof Row>(['figure', 'p50', 'p99', 'non2xx', 'errors', 'cpu']);
  const widths = columns.map(([key, title]) => Math.max(title.length, ...rows.map((r) => r[key].length)));
  const line = (cells: string[]) => cells.map((c, i) => (numeric.has(columns[i][0]) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(columns.map(([, title]) => title)), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map((row) => line(columns.map(([key]) => row[key])))].join('\n');
}

/** The table, then every missed target, the notes and the failures, and the profile's top entries. */
export function printReport(rows: Row[], records: ScenarioRecord[], failures: string[], profile: ProfileSummary | null): void {
  console.log('');
  console.log(formatTable(rows));
  console.log('');
  for (const r of records) {
    for (const c of r.checks.filter((c) => c.pass === false)) console.log(`missed: ${r.id} ${r.name}: ${c.what} = ${c.value} (target ${c.op} ${c.limit})`);
    for (const note of r.notes) console.log(`note: ${r.id} ${r.name}: ${note}`);
  }
  for (const failure of failures) console.log(`FAILED: ${failure}`);
  if (profile) {
    console.log('\ngateway CPU profile during scenario 1, busy time by layer (idle left out):');
    for (const l of profile.layers) console.log(`  ${l.percent.toFixed(1).padStart(5)}%  ${l.self_ms.toFixed(1).padStart(9)} ms  ${l.layer}`);
    console.log('self time by package:');
    for (const p of profile.packages.slice(0, 12)) console.log(`  ${p.percent.toFixed(1).padStart(5)}%  ${p.self_ms.toFixed(1).padStart(9)} ms  ${p.pkg}`);
    console.log('top self-time functions:');
    for (const f of profile.functions) console.log(`  ${f.percent.toFixed(1).padStart(5)}%  ${f.self_ms.toFixed(1).padStart(9)} ms  ${f.fn}`);
  }
}

interface Results {
  started: Date;
  machine: Machine;
  bench: Bench;
  records: ScenarioRecord[];
  rows: Row[];
  failures: string[];
  exitCode: number;
}

/** bench/results/<timestamp>.json, named by when the run started; its path is printed. */
export async function writeResults({ started, machine, bench, records, rows, failures, exitCode }: Results): Promise<void> {
  const file = path.join(__dirname, '..', '..', 'bench', 'results', `${started.toISOString().replace(/[:.]/g, '-')}.json`);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(
    file,
    JSON.stringify(
      {
        benchmark: 'gateway',
        started_at: started.toISOString(),
        finished_at: new Date().toISOString(),
        options: { ...bench.options, warmup_s: bench.warmupS },
        gateway_env: gatewayEnv(),
        light_features: LIGHT_FEATURES,
        machine: { ...machine, load_average_at_end: os.loadavg().map((l) => Number(l.toFixed(2))) },
        latency_note: 'p50/p99 from every 2xx response time at µs resolution (autocannon response events); autocannon.latency holds its own whole-millisecond histogram',
        baselines: bench.baselines.json,
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
}
