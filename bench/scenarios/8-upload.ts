import { rm } from 'node:fs/promises';
import * as path from 'node:path';
import { check, type ScenarioRecord, verdictOf } from '../record';
import type { Bench, Scenario } from '../runner';
import { measureUpload, type UploadRow } from '../upload';

/** `--upload-mib` MiB through a registry of its own into the file store, its RSS sampled (bench/upload.ts). */
async function run(bench: Bench, record: ScenarioRecord): Promise<void> {
  const { system } = bench;
  const dir = path.join(system.work, 'upload-artifacts');
  let row: UploadRow;
  try {
    row = await measureUpload('file', { DATABASE_URL: system.databaseUrl, REDIS_URL: system.redisUrl, REDIS_PREFIX: system.uploadPrefix, ARTIFACT_STORE_URL: `file://${dir}`, HOST: '127.0.0.1', AUTH_ENABLED: 'false' }, bench.options.uploadMib);
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
    cpu: '',
    ratio: `RSS +${row.rss_growth_mib} MiB (${row.seconds} s)`,
    target: 'RSS growth ≤64 MiB',
    verdict: verdictOf(record.checks),
  });
}

export const upload: Scenario = { id: 8, name: 'upload', title: 'upload through the registry', needsSystem: false, run };
