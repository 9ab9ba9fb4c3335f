import * as os from 'node:os';
import * as path from 'node:path';

/** Facts the global setup shares with every test file through the environment. */
export const TEST_BUCKET = 'switchyard-test';

export interface TestRun {
  databaseUrl: string;
  redisPrefix: string;
  s3Endpoint: string;
  workDir: string;
}

export function testRun(): TestRun {
  const { DATABASE_URL, REDIS_PREFIX, S3_ENDPOINT, SWITCHYARD_TEST_DIR } = process.env;
  if (!DATABASE_URL || !REDIS_PREFIX || !S3_ENDPOINT || !SWITCHYARD_TEST_DIR) {
    throw new Error('the Jest global setup did not run (DATABASE_URL, REDIS_PREFIX, S3_ENDPOINT, SWITCHYARD_TEST_DIR unset)');
  }
  return { databaseUrl: DATABASE_URL, redisPrefix: REDIS_PREFIX, s3Endpoint: S3_ENDPOINT, workDir: SWITCHYARD_TEST_DIR };
}

export function uniqueSuffix(): string {
  return `${process.pid.toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}

export function defaultTestDir(): string {
  return path.join(os.tmpdir(), `switchyard-test-${uniqueSuffix()}`);
}
