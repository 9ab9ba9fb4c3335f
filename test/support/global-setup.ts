import './lib-aliases';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import S3rver from 's3rver';
import { issueKey } from '@switchyard/auth';
import { ensureDatabase, runMigrations } from '@switchyard/persistence';
import { DIST } from './processes';
import { defaultTestDir, TEST_BUCKET, uniqueSuffix } from './test-env';

const BASE_DATABASE_URL = process.env.TEST_DATABASE_BASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * Programs the tests start compiled (apps as child processes, the gateway's inference threads, the
 * validation sandbox): without them, a jest run started by hand after `npm ci` fails here and says why,
 * rather than as a model that cannot load, tests later. `npm test` builds first.
 */
const COMPILED_PROGRAMS = [
  'apps/registry/src/main.js',
  'apps/gateway/src/main.js',
  'apps/worker/src/main.js',
  'apps/gateway/src/sessions/inference-thread.js',
  'apps/worker/src/artifact-validation/sandbox-child.js',
  'scripts/start.js',
];

/** One fresh database, Redis prefix and s3rver for the whole run; the teardown removes all three. */
export default async function globalSetup(): Promise<void> {
  const missing = COMPILED_PROGRAMS.filter((program) => !existsSync(path.join(DIST, program)));
  if (missing.length > 0) throw new Error(`${missing.map((program) => `dist/${program}`).join(', ')} missing: run \`npm run build\` first (\`npm test\` does)`);
  const run = uniqueSuffix();
  const adminKey = issueKey().key;
  const databaseUrl = new URL(BASE_DATABASE_URL);
  databaseUrl.pathname = `/switchyard_test_${run}`;
  await ensureDatabase(databaseUrl.toString());
  await runMigrations(databaseUrl.toString());

  const workDir = defaultTestDir();
  await mkdir(path.join(workDir, 's3rver'), { recursive: true });
  const s3 = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: path.join(workDir, 's3rver'),
    configureBuckets: [{ name: TEST_BUCKET, configs: [] }],
  });
  const address = (await s3.run()) as { port: number };
  (globalThis as Record<string, unknown>).__S3RVER__ = s3;

  Object.assign(process.env, {
    DATABASE_URL: databaseUrl.toString(),
    REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0',
    REDIS_PREFIX: `sytest-${run}`,
    S3_ENDPOINT: `http://127.0.0.1:${address.port}`,
    S3_REGION: 'us-east-1',
    S3_FORCE_PATH_STYLE: 'true',
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    ARTIFACT_STORE_URL: `file://${path.join(workDir, 'artifacts')}`,
    SWITCHYARD_TEST_DIR: workDir,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    // Auth is on in tests as in production. Every registry started by a test creates this admin key,
    // every gateway uses it towards the registry, and call() sends it unless told otherwise, so a test
    // that is not about auth needs to know nothing about it.
    SWITCHYARD_BOOTSTRAP_ADMIN_KEY: adminKey,
    REGISTRY_API_KEY: adminKey,
    // Gateways serve gRPC only where a test asks for it, on a free port: 8081 may be taken, and two
    // gateways started by one run would collide on it.
    GATEWAY_GRPC_PORT: '0',
    // Every gateway a test spawns serves in one process (GATEWAY_WORKERS defaults to the CPU count):
    // a cluster per gateway would double the processes on a 2-core machine. Tests of the workers set it.
    GATEWAY_WORKERS: '1',
  });
}
