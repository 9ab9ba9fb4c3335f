import { DataSource } from 'typeorm';
import { dataSourceOptions, dropDatabase, ensureDatabase, pendingSchemaChanges, runMigrations } from '@switchyard/persistence';
import { MIGRATIONS } from '../migrations';
import { testRun, uniqueSuffix } from './support/test-env';

describe('migrations', () => {
  const url = new URL(testRun().databaseUrl);
  url.pathname = `/switchyard_migrations_${uniqueSuffix()}`;
  const databaseUrl = url.toString();

  beforeAll(async () => {
    await ensureDatabase(databaseUrl);
  });
  afterAll(() => dropDatabase(databaseUrl));

  it('create exactly the schema the entities describe (CI fails on drift)', async () => {
    expect(await runMigrations(databaseUrl)).toHaveLength(MIGRATIONS.length);
    expect(await pendingSchemaChanges(databaseUrl)).toEqual([]);
  });

  it('revert completely, down to an empty schema, and apply again', async () => {
    const dataSource = new DataSource(dataSourceOptions(databaseUrl));
    await dataSource.initialize();
    try {
      for (let i = 0; i < MIGRATIONS.length; i++) await dataSource.undoLastMigration();
      const tables = await dataSource.query(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'migrations'`,
      );
      expect(tables).toEqual([]);
    } finally {
      await dataSource.destroy();
    }
    expect(await runMigrations(databaseUrl)).toHaveLength(MIGRATIONS.length);
    expect(await pendingSchemaChanges(databaseUrl)).toEqual([]);
  });
});
