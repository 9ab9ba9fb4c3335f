import { dropDatabase, ensureDatabase, runMigrations } from '@switchyard/persistence';
import { testRun, uniqueSuffix } from './test-env';

/**
 * A migrated database of the test file's own. The run's database is shared by suites that leave
 * versions pending on purpose or expect no gateway to report on their models; a worker sweeping it,
 * or a gateway loading every deployment in it, would interfere. Drop it with dropIsolatedDatabase.
 */
export async function createIsolatedDatabase(): Promise<string> {
  const url = new URL(testRun().databaseUrl);
  url.pathname = `/switchyard_iso_${uniqueSuffix()}`;
  await ensureDatabase(url.toString());
  await runMigrations(url.toString());
  return url.toString();
}

export const dropIsolatedDatabase = dropDatabase;

/** A Redis prefix of its own, under the run's prefix so the global teardown deletes its keys. */
export function isolatedRedisPrefix(): string {
  return `${testRun().redisPrefix}-i${uniqueSuffix()}`;
}
