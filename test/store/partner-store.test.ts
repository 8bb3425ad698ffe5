import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Store } from '../../src/store/store.ts';
import { createTestStore } from '../helpers/db.ts';

let store: Store;

before(async () => {
  store = await createTestStore();
});

after(async () => {
  await store.close();
});

describe('migrations', () => {
  test('running them again changes nothing', async () => {
    await store.migrate();
    await store.upsertPartner({ id: 'm', key: 'k' });
    await store.migrate();
    assert.deepEqual(await store.getPartner('m'), { id: 'm', key: 'k' });
  });
});

describe('partners', () => {
  test('upsert inserts, then replaces the key', async () => {
    assert.equal(await store.getPartner('p-1'), null);
    await store.upsertPartner({ id: 'p-1', key: 'key-one' });
    assert.deepEqual(await store.getPartner('p-1'), { id: 'p-1', key: 'key-one' });
    await store.upsertPartner({ id: 'p-1', key: 'key-two' });
    assert.deepEqual(await store.getPartner('p-1'), { id: 'p-1', key: 'key-two' });
  });

  test('list holds each partner once', async () => {
    await store.upsertPartner({ id: 'p-2', key: 'x' });
    await store.upsertPartner({ id: 'p-2', key: 'y' });
    const partners = await store.listPartners();
    assert.deepEqual(
      partners.filter((p) => p.id === 'p-1' || p.id === 'p-2'),
      [
        { id: 'p-1', key: 'key-two' },
        { id: 'p-2', key: 'y' },
      ],
    );
  });

  test('clearData keeps partners', async () => {
    await store.clearData();
    assert.deepEqual(await store.getPartner('p-2'), { id: 'p-2', key: 'y' });
  });
});
