import assert from 'node:assert/strict';
import { after, beforeEach, test } from 'node:test';
import request from 'supertest';
import { createApp, signParams, verifyResponse } from 'mapi-mock';

// An Express app with a mock of its own: nothing to start, nothing shared with other test files.
const app = createApp();
const { partner } = app.mock; // the sandbox merchant: { id, key }

beforeEach(() => app.mock.reset());
after(() => app.mock.close());

// What your integration sends for a pay (here written out by hand).
const pay = {
  service: 'alipay.acquire.overseas.spot.pay',
  partner: partner.id,
  _input_charset: 'utf-8',
  alipay_seller_id: partner.id,
  partner_trans_id: 'T1',
  trans_name: 'Coffee',
  trans_amount: '10.00',
  currency: 'USD',
  quantity: '1',
  buyer_identity_code: '281234567890123456',
  identity_code_type: 'barcode',
  trans_create_time: '20240101120000',
  biz_product: 'OVERSEAS_MBARCODE_PAY',
};

test('a signed pay succeeds and leaves a paid trade', async () => {
  const res = await request(app)
    .post('/gateway.do')
    .type('form')
    .send({ ...pay, sign: signParams(pay, partner.key), sign_type: 'MD5' })
    .responseType('blob'); // keep the answer's GBK bytes as they are
  assert.equal(res.status, 200);

  const answer = verifyResponse(res.body, partner.key);
  assert.equal(answer.ok, true); // signed, and the sign matches
  assert.equal(answer.resultCode, 'SUCCESS');
  assert.equal(answer.fields.trans_amount, '10.00');

  const trades = await app.mock.trades();
  assert.deepEqual(trades.map((trade) => [trade.partnerTransId, trade.state]), [['T1', 'TRADE_SUCCESS']]);
});

test('a rule makes amount 12.34 fail with BUYER_BALANCE_NOT_ENOUGH', async () => {
  const rule = await app.mock.rules.add({
    service: 'pay',
    when: [{ param: 'trans_amount', op: 'eq', value: '12.34' }],
    then: { type: 'business', resultCode: 'FAILED', error: 'BUYER_BALANCE_NOT_ENOUGH' },
  });
  const params = { ...pay, partner_trans_id: 'T2', trans_amount: '12.34' };
  const res = await request(app)
    .post('/gateway.do')
    .type('form')
    .send({ ...params, sign: signParams(params, partner.key), sign_type: 'MD5' })
    .responseType('blob');

  const answer = verifyResponse(res.body, partner.key);
  assert.equal(answer.resultCode, 'FAILED');
  assert.equal(answer.error, 'BUYER_BALANCE_NOT_ENOUGH');

  const log = await app.mock.requests({ partnerTransId: 'T2' });
  assert.deepEqual(log.map((entry) => entry.ruleId), [rule.id]);
});

test('the JSON admin API is there too', async () => {
  const res = await request(app)
    .post('/api/scenarios')
    .send({ service: 'alipay.acquire.overseas.query', resultCode: 'FAIL', error: 'SYSTEM_ERROR', durationMinutes: 30 })
    .expect(201);
  assert.equal(res.body.service, 'alipay.acquire.overseas.query');
});
