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
    assert.deepEqual(await store.getPartner('m'), { id: 'm', key: 'k', notifyUrl: null });
  });
});

describe('partners', () => {
  test('upsert inserts, then replaces the key', async () => {
    assert.equal(await store.getPartner('p-1'), null);
    await store.upsertPartner({ id: 'p-1', key: 'key-one' });
    assert.deepEqual(await store.getPartner('p-1'), { id: 'p-1', key: 'key-one', notifyUrl: null });
    await store.upsertPartner({ id: 'p-1', key: 'key-two' });
    assert.deepEqual(await store.getPartner('p-1'), { id: 'p-1', key: 'key-two', notifyUrl: null });
  });

  test('list holds each partner once', async () => {
    await store.upsertPartner({ id: 'p-2', key: 'x' });
    await store.upsertPartner({ id: 'p-2', key: 'y' });
    const partners = await store.listPartners();
    assert.deepEqual(
      partners.filter((p) => p.id === 'p-1' || p.id === 'p-2'),
      [
        { id: 'p-1', key: 'key-two', notifyUrl: null },
        { id: 'p-2', key: 'y', notifyUrl: null },
      ],
    );
  });

  test('a notification URL is set and cleared; a new key keeps it', async () => {
    assert.equal(await store.setPartnerNotifyUrl('p-2', 'http://127.0.0.1:18299/n'), true);
    await store.upsertPartner({ id: 'p-2', key: 'y' });
    assert.deepEqual(await store.getPartner('p-2'), { id: 'p-2', key: 'y', notifyUrl: 'http://127.0.0.1:18299/n' });
    assert.equal(await store.setPartnerNotifyUrl('p-2', null), true);
    assert.equal((await store.getPartner('p-2'))?.notifyUrl, null);
    assert.equal(await store.setPartnerNotifyUrl('nobody', null), false);
  });

  test('delete removes the partner once', async () => {
    await store.upsertPartner({ id: 'p-3', key: 'z' });
    assert.equal(await store.deletePartner('p-3'), true);
    assert.equal(await store.getPartner('p-3'), null);
    assert.equal(await store.deletePartner('p-3'), false);
  });

  test('clearData keeps partners', async () => {
    await store.clearData();
    assert.deepEqual(await store.getPartner('p-2'), { id: 'p-2', key: 'y', notifyUrl: null });
  });
});
