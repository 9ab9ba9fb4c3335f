import { spawn } from 'node:child_process';
import { access, readFile, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { captured, DIST, type Spawned, stop } from './support/processes';

/** Like runNode, with command-line arguments: the compiled bench, its output captured. */
function runBench(args: string[]): Spawned {
  return captured(spawn(process.execPath, [path.join(DIST, 'bench', 'run.js'), ...args], { cwd: path.dirname(DIST), env: process.env, stdio: ['ignore', 'pipe', 'pipe'] }));
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
    const bench = runBench(['--duration', '1', '--only', '1,oip,8,9,10', '--upload-mib', '8', '--ingest-events', '5000']);
    let code: number | null;
    let timer: NodeJS.Timeout | undefined;
    // A minute and a half on an idle 2-core machine; several times that beside other suites or CPU
    // burners. The bench bounds its own runs, so this deadline only catches a hang.
    try {
      code = await Promise.race([bench.exited, new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), 480_000)))]);
    } finally {
      clearTimeout(timer);
      await stop(bench);
    }
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
        options: { only: [1, 3, 8, 9, 10], durationS: 1, uploadMib: 8, ingestEvents: 5000 },
        baselines: {
          in_process: [expect.objectContaining({ model: 'light', batch: 1, inferences_per_s: expect.any(Number) })],
          bare: expect.objectContaining({ rps: expect.any(Number), latency: expect.objectContaining({ p50_ms: expect.any(Number), p99_ms: expect.any(Number) }) }),
        },
        failures: [],
        exit_code: 0,
      });
      expect(report.baselines.bare.rps).toBeGreaterThan(0);
      expect(report.scenarios.map((s: { id: number }) => s.id)).toEqual([1, 3, 8, 9, 10]);
      const [gateway, oip, upload, ingestion, stats] = report.scenarios;
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
      expect(oip.runs.oip_binary).toMatchObject({ non2xx: 0, errors: 0 });
      expect(oip.extra.large_input.extra_peak_rss_bytes).toHaveLength(3);
      expect(oip.runs.grpc).toMatchObject({ non2xx: 0, errors: 0, status_codes: { OK: expect.any(Number) } });
      expect(oip.runs.grpc.rps).toBeGreaterThan(0);
      expect(gateway.extra.challenger_share_percent).toBeGreaterThan(0);
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

  it('answers an unknown option with the usage message and exit code 2, starting nothing', async () => {
    const bench = runBench(['--frobnicate']);
    expect(await bench.exited).toBe(2);
    expect(bench.output()).toContain('unknown option --frobnicate');
    expect(bench.output()).toContain('usage: node dist/bench/run.js');
    expect(bench.output()).not.toContain('Switchyard bench —');
  });
});
