import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomDigits, timeOrderedId } from '../../src/app/ids.ts';

describe('ids', () => {
  test('time-ordered ids are UUIDv7, unique, and in the order they were made, across several pool refills', () => {
    const ids = Array.from({ length: 2000 }, () => timeOrderedId());
    for (const id of ids) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(new Set(ids).size, ids.length);
    assert.deepEqual([...ids].sort(), ids);
    // the first 48 bits are the time in ms
    const ms = Number.parseInt(ids.at(-1)!.replaceAll('-', '').slice(0, 12), 16);
    assert.ok(Math.abs(ms - Date.now()) < 60_000);
  });

  test('random digits: that many, and not the same twice', () => {
    const drawn = Array.from({ length: 1000 }, () => randomDigits(16));
    for (const d of drawn) assert.match(d, /^\d{16}$/);
    assert.equal(new Set(drawn).size, drawn.length);
    // every digit turns up in every place
    for (let place = 0; place < 16; place++) assert.equal(new Set(drawn.map((d) => d[place])).size, 10);
  });
});
