import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import iconv from 'iconv-lite';
import request from 'supertest';
import { KEY, type TestApp, createTestApp } from '../helpers/app.ts';
import { call, payParams } from '../helpers/mapi.ts';

let t: TestApp;
before(async () => {
  t = await createTestApp();
});
after(() => t.close());

/** md5 of the sorted fields + key over the given bytes: written out here, independent of the mock's code */
function md5Over(fields: Record<string, string>, encode: (text: string) => Buffer): string {
  const text = Object.keys(fields).sort().map((name) => `${name}=${fields[name]}`).join('&');
  return createHash('md5').update(encode(text + KEY)).digest('hex');
}

test('a UTF-8 cancel with out_trade_no=😀: the client reads 😀 and the sign is over its UTF-8 bytes', async () => {
  const answer = await call(t.app, { service: 'alipay.acquire.cancel', out_trade_no: '😀', timestamp: '1' });
  assert.ok(answer.xml.includes('&#x1f600;'));
  assert.equal(answer.fields.out_trade_no, '😀');
  assert.equal(answer.signValid, true);
  assert.equal(answer.sign, md5Over(answer.fields, (text) => Buffer.from(text, 'utf8')));
});

test("a rule's Chinese memo on a UTF-8 pay is signed over UTF-8, on a GBK pay over GBK", async () => {
  const rule = await request(t.app)
    .post('/api/rules')
    .send({ id: 'memo-rule', service: 'alipay.acquire.overseas.spot.pay', when: [{ param: 'trans_amount', op: 'eq', value: '12.34' }], then: { type: 'business', resultCode: 'FAILED', error: 'BUYER_BALANCE_NOT_ENOUGH', fields: { memo: '中文咖啡😀' } } });
  assert.equal(rule.status, 201);
  const utf8 = await call(t.app, payParams({ trans_amount: '12.34' }));
  assert.equal(utf8.fields.memo, '中文咖啡😀');
  assert.equal(utf8.sign, md5Over(utf8.fields, (text) => Buffer.from(text, 'utf8')));
  assert.equal(utf8.signValid, true);

  const gbk = await call(t.app, payParams({ trans_amount: '12.34' }), { charset: 'GBK' });
  assert.equal(gbk.fields.memo, '中文咖啡😀');
  // GBK cannot carry 😀: a client re-encoding what it read in GBK gets '?' in its place, and so does the sign
  assert.equal(gbk.sign, md5Over(gbk.fields, (text) => iconv.encode(text, 'gbk')));
  assert.ok(iconv.encode('😀', 'gbk').equals(Buffer.from('?')));
  assert.equal(gbk.signValid, true);
  assert.notEqual(gbk.sign, utf8.sign);
});
