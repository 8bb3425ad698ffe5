import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Stores } from '../../src/store/stores.ts';
import { createTestStores } from '../helpers/db.ts';

let stores: Stores;

before(async () => {
  stores = await createTestStores();
});

after(async () => {
  await stores.database.close();
});

describe('migrations', () => {
  test('running them again changes nothing', async () => {
    await stores.database.migrate();
    await stores.partners.upsert({ id: 'm', key: 'k' });
    await stores.database.migrate();
    assert.deepEqual(await stores.partners.get('m'), { id: 'm', key: 'k', notifyUrl: null });
  });
});

describe('partners', () => {
  test('upsert inserts, then replaces the key', async () => {
    assert.equal(await stores.partners.get('p-1'), null);
    await stores.partners.upsert({ id: 'p-1', key: 'key-one' });
    assert.deepEqual(await stores.partners.get('p-1'), { id: 'p-1', key: 'key-one', notifyUrl: null });
    await stores.partners.upsert({ id: 'p-1', key: 'key-two' });
    assert.deepEqual(await stores.partners.get('p-1'), { id: 'p-1', key: 'key-two', notifyUrl: null });
  });

  test('list holds each partner once', async () => {
    await stores.partners.upsert({ id: 'p-2', key: 'x' });
    await stores.partners.upsert({ id: 'p-2', key: 'y' });
    const partners = await stores.partners.list();
    assert.deepEqual(
      partners.filter((p) => p.id === 'p-1' || p.id === 'p-2'),
      [
        { id: 'p-1', key: 'key-two', notifyUrl: null },
        { id: 'p-2', key: 'y', notifyUrl: null },
      ],
    );
  });

  test('a notification URL is set and cleared; a new key keeps it', async () => {
    assert.equal(await stores.partners.setNotifyUrl('p-2', 'http://127.0.0.1:18299/n'), true);
    await stores.partners.upsert({ id: 'p-2', key: 'y' });
    assert.deepEqual(await stores.partners.get('p-2'), { id: 'p-2', key: 'y', notifyUrl: 'http://127.0.0.1:18299/n' });
    assert.equal(await stores.partners.setNotifyUrl('p-2', null), true);
    assert.equal((await stores.partners.get('p-2'))?.notifyUrl, null);
    assert.equal(await stores.partners.setNotifyUrl('nobody', null), false);
  });

  test('delete removes the partner once', async () => {
    await stores.partners.upsert({ id: 'p-3', key: 'z' });
    assert.equal(await stores.partners.delete('p-3'), true);
    assert.equal(await stores.partners.get('p-3'), null);
    assert.equal(await stores.partners.delete('p-3'), false);
  });

  test('clearData keeps partners', async () => {
    await stores.database.clearData();
    assert.deepEqual(await stores.partners.get('p-2'), { id: 'p-2', key: 'y', notifyUrl: null });
  });
});
