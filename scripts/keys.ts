import { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { issueKey, mirrorKeys } from '@switchyard/auth';
import { loadDotEnv, validateEnv } from '@switchyard/config';
import { ApiKeyEntity, dataSourceOptions } from '@switchyard/persistence';
import { toRecord } from '../apps/registry/src/keys/keys.service';
import { prepareDatabase } from './migrate';

const USAGE = `usage: node dist/scripts/keys.js <command>
  bootstrap   create an admin key in the database (DATABASE_URL) and print it once
  generate    print a fresh key for SWITCHYARD_BOOTSTRAP_ADMIN_KEY (nothing is stored)`;

/**
 * `npm run keys:bootstrap`: a first admin key without any key to call the API with. It writes the
 * database directly (as the registry would) and mirrors the keys to Redis so running gateways see it;
 * if Redis is down the registry's next mirror (at most 30 s) delivers it.
 */
async function bootstrap(): Promise<void> {
  loadDotEnv();
  const env = validateEnv(process.env);
  await prepareDatabase(env.DATABASE_URL);
  const issued = issueKey();
  const dataSource = await new DataSource(dataSourceOptions(env.DATABASE_URL)).initialize();
  try {
    const keys = dataSource.getRepository(ApiKeyEntity);
    await keys.insert({ id: issued.id, name: 'bootstrap', salt: issued.salt, hash: issued.hash, roles: ['admin'], models: null, createdBy: 'npm run keys:bootstrap' });
    const redis = new Redis(env.REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: true });
    try {
      await redis.connect();
      await mirrorKeys(redis, env.REDIS_PREFIX, (await keys.find({ order: { id: 'ASC' } })).map(toRecord));
    } catch (error) {
      console.error(`could not tell the gateways (Redis: ${error instanceof Error ? error.message : error}); the registry mirrors the key within 30 s`);
    } finally {
      redis.disconnect();
    }
  } finally {
    await dataSource.destroy();
  }
  console.error(`admin key ${issued.id} created; it is shown once, below. Store it now (e.g. SWITCHYARD_API_KEY for the CLI).`);
  console.log(issued.key);
}

async function main(command: string | undefined): Promise<void> {
  if (command === 'generate') console.log(issueKey().key);
  else if (command === 'bootstrap') await bootstrap();
  else {
    console.error(USAGE);
    process.exitCode = 2;
  }
}

main(process.argv[2]).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
