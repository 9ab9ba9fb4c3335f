import { mkdir, rm, writeFile } from 'node:fs/promises';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import S3rver from 's3rver';
import { dropDatabase, ensureDatabase, runMigrations } from '@switchyard/persistence';
import { freePort, runNode, stop, waitForHttp } from '../test/support/processes';
import { deleteRedisKeys } from './redis-keys';

/**
 * Upload benchmark: streams an artifact of SIZE_MIB (default 1024) through a real registry process to
 * the file store and to s3rver, sampling the registry's RSS from /proc while it runs. Prints a table
 * and writes bench/results/upload-<timestamp>.json. Target: RSS growth < 64 MiB.
 *
 * `measureUpload` is also what scenario 8 of `npm run bench` calls (bench/scenarios/8-upload.ts).
 */
const CHUNK = Buffer.alloc(1024 * 1024, 7);

function rssOf(pid: number): Promise<number> {
  return import('node:fs/promises').then(async (fs) => {
    const status = await fs.readFile(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
  });
}

async function upload(url: string, model: string, sizeMib: number): Promise<{ status: number; body: string }> {
  const boundary = 'switchyard-bench';
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="artifact"; filename="model.onnx"\r\nContent-Type: application/octet-stream\r\n\r\n`;
  const tail = `\r\n--${boundary}--\r\n`;
  const length = Buffer.byteLength(head) + sizeMib * CHUNK.length + Buffer.byteLength(tail);
  const target = new URL(`/v1/models/${model}/versions`, url);
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': length } },
      (response) => {
        let body = '';
        response.on('data', (c) => (body += c));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      },
    );
    request.on('error', reject);
    async function* parts() {
      yield Buffer.from(head);
      for (let i = 0; i < sizeMib; i++) yield CHUNK;
      yield Buffer.from(tail);
    }
    Readable.from(parts()).pipe(request);
  });
}

export interface UploadRow {
  store: string;
  size_mib: number;
  seconds: number;
  mb_per_s: number;
  rss_before_mib: number;
  rss_peak_mib: number;
  rss_growth_mib: number;
  status: number;
}

/**
 * Starts a registry process with `env` (DATABASE_URL of a migrated database, ARTIFACT_STORE_URL, …),
 * warms the upload path, then streams `sizeMib` MiB through it while sampling its RSS every 50 ms.
 */
export async function measureUpload(store: string, env: Record<string, string>, sizeMib: number): Promise<UploadRow> {
  const port = await freePort();
  const registry = runNode('apps/registry/src/main.js', { ...env, REGISTRY_PORT: String(port), LOG_LEVEL: 'warn' });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${url}/health/ready`);
    const model = `bench-${store}`;
    await fetch(`${url}/v1/models`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: model }) });
    // Warm the upload path once (large enough for a multipart upload) so lazily loaded code is not
    // counted as growth.
    const warmUp = new FormData();
    warmUp.append('artifact', new Blob([Buffer.alloc(16 * 1024 * 1024, 1)]), 'm.onnx');
    await fetch(`${url}/v1/models/${model}/versions`, { method: 'POST', body: warmUp });
    const before = await rssOf(registry.child.pid!);
    let peak = before;
    const sampler = setInterval(() => void rssOf(registry.child.pid!).then((rss) => (peak = Math.max(peak, rss))).catch(() => undefined), 50);
    const started = process.hrtime.bigint();
    const answer = await upload(url, model, sizeMib);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    clearInterval(sampler);
    if (answer.status !== 201) throw new Error(`upload to ${store} answered ${answer.status}: ${answer.body}`);
    const mib = 1024 * 1024;
    return {
      store,
      size_mib: sizeMib,
      seconds: Number(seconds.toFixed(2)),
      mb_per_s: Number(((sizeMib * mib) / 1e6 / seconds).toFixed(1)),
      rss_before_mib: Number((before / mib).toFixed(1)),
      rss_peak_mib: Number((peak / mib).toFixed(1)),
      rss_growth_mib: Number(((peak - before) / mib).toFixed(1)),
      status: answer.status,
    };
  } finally {
    await stop(registry);
  }
}

async function main(): Promise<void> {
  const sizeMib = Number(process.env.SIZE_MIB ?? 1024);
  const work = path.join(os.tmpdir(), `switchyard-bench-upload-${process.pid}`);
  const databaseUrl = `postgres://postgres@127.0.0.1:5432/switchyard_bench_${process.pid}`;
  await mkdir(path.join(work, 's3'), { recursive: true });
  await ensureDatabase(databaseUrl);
  await runMigrations(databaseUrl);
  const s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: path.join(work, 's3'), configureBuckets: [{ name: 'bench', configs: [] }] });
  const { port: s3Port } = await s3.run();
  // Upload throughput, comparable with earlier runs: no key check.
  const common = { DATABASE_URL: databaseUrl, REDIS_PREFIX: `sybench-${process.pid}`, AUTH_ENABLED: 'false' };
  try {
    const rows = [
      await measureUpload('file', { ...common, ARTIFACT_STORE_URL: `file://${path.join(work, 'artifacts')}` }, sizeMib),
      await measureUpload('s3rver', {
        ...common,
        ARTIFACT_STORE_URL: 's3://bench/artifacts',
        S3_ENDPOINT: `http://127.0.0.1:${s3Port}`,
        S3_FORCE_PATH_STYLE: 'true',
        AWS_ACCESS_KEY_ID: 'S3RVER',
        AWS_SECRET_ACCESS_KEY: 'S3RVER',
      }, sizeMib),
    ];
    console.table(rows);
    const verdict = rows.every((r) => r.rss_growth_mib < 64) ? 'PASS' : 'FAIL';
    console.log(`RSS growth target < 64 MiB: ${verdict}`);
    const machine = { cores: os.cpus().length, node: process.version, platform: `${os.platform()} ${os.arch()}` };
    const file = path.join(__dirname, '..', '..', 'bench', 'results', `upload-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, JSON.stringify({ benchmark: 'upload', machine, rows, target: { rss_growth_mib_below: 64 }, verdict }, null, 2));
    console.log(`wrote ${path.relative(process.cwd(), file)}`);
  } finally {
    await s3.close();
    await dropDatabase(databaseUrl);
    // The registry queued a validation job per upload; no worker ran, so they would stay forever.
    await deleteRedisKeys(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0', common.REDIS_PREFIX);
    await rm(work, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
