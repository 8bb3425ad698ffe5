import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatGmt8, formatGmt8Date, isSameGmt8Day, isValidYmdHms, newAlipayTransId } from '../../src/core/time.ts';

describe('formatGmt8', () => {
  it('writes yyyyMMddHHmmss in GMT+8', () => {
    assert.equal(formatGmt8(new Date('2024-01-01T04:00:03Z')), '20240101120003');
    assert.equal(formatGmt8(new Date('2023-12-31T16:00:00Z')), '20240101000000');
    assert.equal(formatGmt8(new Date('2023-12-31T15:59:59Z')), '20231231235959');
    assert.equal(formatGmt8Date(new Date('2023-12-31T16:00:00Z')), '20240101');
  });
});

describe('isValidYmdHms', () => {
  it('accepts a real moment, a leap day among them', () => {
    for (const good of ['20240101120003', '20240229235959', '20000229000000', '01000101000000']) assert.equal(isValidYmdHms(good), true, good);
  });
  it('refuses impossible or malformed times', () => {
    for (const bad of ['20230229000000', '19000229000000', '20241301000000', '20240132000000', '20240101240000', '20240101126000',
      '20240101120060', '20240100000000', '00990101000000', '2024010112000', '202401011200000', '2024-01-01 12:00',
      'abcdefghijklmn', '２０２４01011200', '']) {
      assert.equal(isValidYmdHms(bad), false, bad);
    }
  });
});

describe('isSameGmt8Day', () => {
  it('compares calendar days in GMT+8, not UTC', () => {
    // 23:59 and 00:01 Beijing time: same UTC day, different GMT+8 days
    assert.equal(isSameGmt8Day(new Date('2024-01-01T15:59:00Z'), new Date('2024-01-01T16:01:00Z')), false);
    // 00:30 and 23:30 Beijing time: different UTC days, same GMT+8 day
    assert.equal(isSameGmt8Day(new Date('2023-12-31T16:30:00Z'), new Date('2024-01-01T15:30:00Z')), true);
  });
});

describe('newAlipayTransId', () => {
  it('is yyyyMMdd (GMT+8) + 2200 + the 16 digits given', () => {
    const id = newAlipayTransId(new Date('2024-01-01T04:00:03Z'), '1400011234567890');
    assert.equal(id, '2024010122001400011234567890');
    assert.equal(id.length, 28);
    assert.equal(newAlipayTransId(new Date('2023-12-31T16:00:00Z'), '0000000000000001').slice(0, 8), '20240101');
  });
  it('refuses anything but 16 digits', () => {
    assert.throws(() => newAlipayTransId(new Date(0), '123'));
    assert.throws(() => newAlipayTransId(new Date(0), '14000112345678x0'));
  });
});
