import './lib-aliases';
import { rm } from 'node:fs/promises';
import { Redis } from 'ioredis';
import type S3rver from 's3rver';
import { dropDatabase } from '@switchyard/persistence';

async function deleteKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export default async function globalTeardown(): Promise<void> {
  const s3 = (globalThis as Record<string, unknown>).__S3RVER__ as S3rver | undefined;
  await s3?.close();
  const { DATABASE_URL, REDIS_URL, REDIS_PREFIX, SWITCHYARD_TEST_DIR } = process.env;
  if (DATABASE_URL) await dropDatabase(DATABASE_URL);
  if (REDIS_URL && REDIS_PREFIX) await deleteKeys(REDIS_URL, REDIS_PREFIX);
  if (SWITCHYARD_TEST_DIR) await rm(SWITCHYARD_TEST_DIR, { recursive: true, force: true });
}
