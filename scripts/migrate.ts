import { loadDotEnv, validateEnv } from '@switchyard/config';
import { ensureDatabase, runMigrations } from '@switchyard/persistence';

/** Creates the database if it is missing and applies pending migrations. `npm start` runs it first. */
export async function prepareDatabase(databaseUrl: string): Promise<void> {
  if (await ensureDatabase(databaseUrl)) console.log(`created database ${new URL(databaseUrl).pathname.slice(1)}`);
  const applied = await runMigrations(databaseUrl);
  console.log(applied.length ? `applied migrations: ${applied.join(', ')}` : 'database schema is up to date');
}

if (require.main === module) {
  loadDotEnv();
  prepareDatabase(validateEnv(process.env).DATABASE_URL).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
