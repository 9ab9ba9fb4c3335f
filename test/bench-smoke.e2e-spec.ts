import { spawn } from 'node:child_process';
import { access, readFile, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { captured, DIST, type Spawned, stop } from './support/processes';

/** Like runNode, with command-line arguments: a compiled bench script (run.js by default), its output captured. */
function runBench(args: string[], script = 'run.js'): Spawned {
  return captured(spawn(process.execPath, [path.join(DIST, 'bench', script), ...args], { cwd: path.dirname(DIST), env: process.env, stdio: ['ignore', 'pipe', 'pipe'] }));
}

/** Waits for a bench script to exit, at most `deadlineMs` (it bounds its own runs: this only catches a hang). */
async function exitCodeOf(bench: Spawned, deadlineMs: number): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([bench.exited, new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), deadlineMs)))]);
  } finally {
    clearTimeout(timer);
    await stop(bench);
  }
}

async function databaseExists(name: string): Promise<boolean> {
  const admin = new URL(process.env.DATABASE_URL!);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    return Boolean((await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount);
  } finally {
    await client.end();
  }
}

describe('npm run bench (dist/bench/run.js)', () => {
  it('runs a small subset end to end: prints the table, writes the JSON, cleans up after itself, exits 0', async () => {
    const bench = runBench(['--duration', '1', '--only', '1,oip,5,8,9,10', '--upload-mib', '8', '--ingest-events', '5000']);
    // A minute and a half on an idle 2-core machine; several times that beside other suites or CPU burners.
    const code = await exitCodeOf(bench, 480_000);
    const output = bench.output();
    expect({ code, output }).toEqual({ code: 0, output: expect.any(String) });

    expect(output).toMatch(/^Switchyard bench — \d+ cores .*Node v\d+/m);
    expect(output).toMatch(/^#\s+scenario\s+req\/s\s+p50 ms\s+p99 ms\s+non-2xx\s+errors\s+CPU µs\/resp\s+ratio\s+target\s+verdict$/m);
    expect(output).toMatch(/^base\s+in-process onnxruntime, light, batch 1\s+\d+ inf\/s/m);
    expect(output).toMatch(/^base\s+bare Fastify \+ onnxruntime/m);
    expect(output).toMatch(/^1\s+gateway \/v1 predict.*\s(PASS|FAIL)$/m);
    expect(output).toMatch(/^3\s+gateway \/v2 infer.*\s(PASS|FAIL)$/m);
    expect(output).toMatch(/^3b\s+gateway \/v2 infer, binary tensors.*\sn\/a$/m);
    expect(output).toMatch(/^3c\s+16 MiB FP32 input in binary.*\s(PASS|FAIL)$/m);
    expect(output).toMatch(/^3d\s+gateway gRPC ModelInfer.*µs\/req\s.*n\/a$/m);
    expect(output).toMatch(/^5c\s+light, \d+ conn, beside saturated heavy.*\s(PASS|FAIL)$/m);
    expect(output).toMatch(/^8\s+upload 8 MiB.*MB\/s.*\s(PASS|FAIL)$/m);
    expect(output).toMatch(/^1b\s+same, prediction log off.*\s(PASS|FAIL)$/m);
    expect(output).toMatch(/^9\s+ingestion: 5000 events.*rollups exact.*\s(PASS|FAIL)$/m);
    expect(output).toMatch(/^10\s+stats over 10\.0 M predictions.*\s(PASS|FAIL)$/m);

    const written = /^wrote (\S+\.json)$/m.exec(output);
    expect(written).not.toBeNull();
    const file = path.resolve(path.dirname(DIST), written![1]);
    try {
      expect(path.dirname(file)).toBe(path.join(path.dirname(DIST), 'bench', 'results'));
      const report = JSON.parse(await readFile(file, 'utf8'));
      expect(report).toMatchObject({
        benchmark: 'gateway',
        machine: { cores: os.cpus().length, node: process.version, cpu_model: expect.any(String), total_memory_gib: expect.any(Number) },
        options: { only: [1, 3, 5, 8, 9, 10], durationS: 1, uploadMib: 8, ingestEvents: 5000 },
        baselines: {
          in_process: [expect.objectContaining({ model: 'light', batch: 1, inferences_per_s: expect.any(Number) })],
          bare: expect.objectContaining({ rps: expect.any(Number), latency: expect.objectContaining({ p50_ms: expect.any(Number), p99_ms: expect.any(Number) }) }),
        },
        failures: [],
        exit_code: 0,
      });
      expect(report.baselines.bare.rps).toBeGreaterThan(0);
      expect(report.scenarios.map((s: { id: number }) => s.id)).toEqual([1, 3, 5, 8, 9, 10]);
      const [gateway, oip, isolation, upload, ingestion, stats] = report.scenarios;
      for (const [scenario, run] of [
        [gateway, gateway.runs.gateway],
        [oip, oip.runs.oip],
      ]) {
        expect(['PASS', 'FAIL']).toContain(scenario.verdict);
        expect(run).toMatchObject({ non2xx: 0, errors: 0, autocannon: expect.objectContaining({ requests: expect.any(Object), latency: expect.any(Object) }) });
        expect(run.rps).toBeGreaterThan(0);
        expect(run.latency.p99_ms).toBeGreaterThanOrEqual(run.latency.p50_ms);
        expect(run).not.toHaveProperty('histogram');
        expect(scenario.checks.length).toBeGreaterThan(0);
      }
      expect(gateway.checks.map((c: { what: string }) => c.what)).toEqual(['req/s ÷ bare req/s', 'p99 ÷ bare p99', 'CPU µs/resp ÷ bare CPU µs/resp', 'req/s log on ÷ log off']);
      expect(gateway.runs.gateway_log_off).toMatchObject({ non2xx: 0, errors: 0 });
      // 1b is the log-off gateway run right before and right after row 1, pooled.
      const offRuns = gateway.runs.gateway_log_off_around;
      expect(offRuns).toHaveLength(2);
      for (const run of offRuns) expect(run).toMatchObject({ non2xx: 0, errors: 0, rps: expect.any(Number) });
      expect(gateway.runs.gateway_log_off.rps).toBeCloseTo((offRuns[0].rps + offRuns[1].rps) / 2, 0);
      expect(gateway.runs.gateway_log_off.ok).toBe(offRuns[0].ok + offRuns[1].ok);
      expect(output).toMatch(/^1b\s.*\(log off around it \d+ → \d+ req\/s\)/m);
      // 1d: the same gateway with the light model's batching on, no delay, bare around it.
      expect(gateway.runs.gateway_batching_on).toMatchObject({ non2xx: 0, errors: 0, rps: expect.any(Number) });
      expect(gateway.extra.batching_on_bare_around).toMatchObject({ before: { non2xx: 0, errors: 0 }, after: { non2xx: 0, errors: 0 } });
      expect(output).toMatch(/^1d\s+same, batching on \(16 rows, no delay\).*row 1 \(bare around it \d+ → \d+ req\/s\)/m);
      expect(oip.runs.oip_binary).toMatchObject({ non2xx: 0, errors: 0 });
      expect(oip.extra.large_input.extra_peak_rss_bytes).toHaveLength(3);
      expect(oip.runs.grpc).toMatchObject({ non2xx: 0, errors: 0, status_codes: { OK: expect.any(Number) } });
      expect(oip.runs.grpc.rps).toBeGreaterThan(0);
      expect(gateway.extra.challenger_share_percent).toBeGreaterThan(0);
      // Rows 1 and 3 are compared with bare measured right before and after them, as their rows say.
      for (const [scenario, row] of [
        [gateway, '1'],
        [oip, '3'],
      ]) {
        const { before, after, rps, p99_ms: p99, cpu_us_per_request: cpu } = scenario.extra.bare_around;
        for (const bare of [before, after]) expect(bare).toMatchObject({ non2xx: 0, errors: 0, rps: expect.any(Number) });
        expect(rps).toBeCloseTo((before.rps + after.rps) / 2, 0);
        expect(p99).toBeCloseTo((before.latency.p99_ms + after.latency.p99_ms) / 2, 2);
        expect(cpu).toBeGreaterThan(0);
        expect(output).toMatch(new RegExp(`^${row}\\s.*\\(bare around it \\d+ → \\d+ req/s\\)`, 'm'));
      }
      // The whole machine's CPU per response: the load generator's own share is measured in every run.
      expect(report.baselines.bare.load_cpu_s).toBeGreaterThan(0);
      expect(gateway.runs.gateway.load_cpu_s).toBeGreaterThan(0);
      expect(gateway.extra.cpu_budget).toMatchObject({
        cores: os.cpus().length,
        bare: { parts: { server: expect.any(Number), 'load generator': expect.any(Number) }, total_us: expect.any(Number), ceiling_rps: expect.any(Number) },
        'gateway, log on': { parts: expect.objectContaining({ server: expect.any(Number), worker: expect.any(Number), PostgreSQL: expect.any(Number) }) },
        'log off': { total_us: expect.any(Number) },
      });
      expect(output).toMatch(/^note: 1 gateway: CPU per response of every process on these \d+ cores .*bare [\d.]+ \+ [\d.]+ = [\d.]+ µs .*0\.85× its req\/s needs at most [\d.]+ µs per response/m);
      // Where the gateway's event loop was in 5a and 5c: shares of the measured time, from /proc.
      expect(isolation.runs.light_beside_heavy).toMatchObject({ non2xx: 0, errors: 0 });
      for (const shares of [isolation.extra.event_loop.light_alone, isolation.extra.event_loop.light_beside_heavy]) {
        expect(shares.ran).toBeGreaterThan(0);
        expect(shares.ran + shares.waited).toBeLessThan(1.05);
        expect(shares.otherThreadsCores).toBeGreaterThanOrEqual(0);
      }
      expect(output).toMatch(/^note: 5 isolation: the gateway's event loop in 5a ran [\d.]+ of the time and waited for a core [\d.]+, its other threads used [\d.]+ of a core; in 5c ran /m);
      expect(upload.runs.upload).toMatchObject({ store: 'file', size_mib: 8, status: 201 });
      expect(ingestion.extra).toMatchObject({ events: 5000, rollup_requests: 5000, events_per_s: expect.any(Number) });
      expect(stats.extra).toMatchObject({ predictions: 9_999_360, rollup_rows: 20_160 });
      expect(stats.extra.answer_ms).toHaveLength(5);
    } finally {
      await rm(file, { force: true });
    }

    // Nothing left behind: its database is dropped and its work directory removed.
    expect(await databaseExists(`switchyard_bench_${bench.child.pid}`)).toBe(false);
    await expect(access(path.join(os.tmpdir(), `switchyard-bench-${bench.child.pid}`))).rejects.toThrow();
  }, 540_000);

  it('compares two gateways side by side (npm run bench:side-by-side): a round, the summary, exit 0, nothing left behind', async () => {
    const bench = runBench(['--rounds', '1', '--seconds', '1', '--rate', '100', '--connections', '4', '--env-b', 'PREDICTION_LOG_ENABLED=false'], 'side-by-side.js');
    const code = await exitCodeOf(bench, 240_000);
    const output = bench.output();
    expect({ code, output }).toEqual({ code: 0, output: expect.any(String) });
    expect(output).toContain('B: ');
    expect(output).toContain('{"PREDICTION_LOG_ENABLED":"false"}');
    expect(output).toMatch(/^round 1: A \d+\.\d µs \([\d.]+ req\/s, p99 \d+\.\d{3} ms, 0 non-2xx, 0 errors\)  B \d+\.\d µs \([\d.]+ req\/s, p99 \d+\.\d{3} ms, 0 non-2xx, 0 errors\)  B\/A \d+\.\d{3}$/m);
    expect(output).toMatch(/^B\/A CPU per response: median \d+\.\d{3}, range \d+\.\d{3}–\d+\.\d{3}$/m);
    expect(await databaseExists(`switchyard_bench_${bench.child.pid}`)).toBe(false);
    await expect(access(path.join(os.tmpdir(), `switchyard-bench-${bench.child.pid}`))).rejects.toThrow();
  }, 300_000);

  it('answers an unknown option with the usage message and exit code 2, starting nothing', async () => {
    const bench = runBench(['--frobnicate']);
    expect(await bench.exited).toBe(2);
    expect(bench.output()).toContain('unknown option --frobnicate');
    expect(bench.output()).toContain('usage: node dist/bench/run.js');
    expect(bench.output()).not.toContain('Switchyard bench —');
  });

  it('side by side: answers a bad option with the usage message and exit code 2, starting nothing', async () => {
    const bench = runBench(['--rounds', '0'], 'side-by-side.js');
    expect(await bench.exited).toBe(2);
    expect(bench.output()).toContain('--rounds expects a positive integer, got "0"');
    expect(bench.output()).toContain('usage: node dist/bench/side-by-side.js');
    expect(bench.output()).not.toContain('starting registry');
  });
});
