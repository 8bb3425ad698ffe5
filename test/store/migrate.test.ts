import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createDatabase, dropDatabase, openStore } from '../../src/store/db.ts';
import { FolderMigrationSource } from '../../src/store/migrate.ts';

test('the migration source lists the migrations folder in order, names without extension', async () => {
  const source = new FolderMigrationSource();
  const files = await source.getMigrations();
  assert.ok(files.length > 0);
  assert.deepEqual(files, [...files].sort());
  assert.equal(source.getMigrationName('20261125_001_init.ts'), '20261125_001_init');
  const migration = await source.getMigration(files[0] as string);
  assert.equal(typeof migration.up, 'function');
  assert.equal(typeof migration.down, 'function');
});

const serverUrl = process.env.DATABASE_URL;

test('instances starting together on one database all migrate it', { skip: !serverUrl && 'needs DATABASE_URL' }, async () => {
  const url = serverUrl as string;
  const name = `mapi_test_${randomBytes(6).toString('hex')}`;
  const databaseUrl = await createDatabase(url, name);
  try {
    const stores = await Promise.all([1, 2, 3, 4].map(() => openStore({ databaseUrl })));
    try {
      await Promise.all(stores.map((s) => s.database.migrate()));
      await stores[0]?.partners.upsert({ id: 'p', key: 'k' });
      assert.deepEqual(await stores[3]?.partners.get('p'), { id: 'p', key: 'k', notifyUrl: null });
    } finally {
      await Promise.all(stores.map((s) => s.database.close()));
    }
  } finally {
    await dropDatabase(url, name);
  }
});
