import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { MapiArgumentError, MapiClient, startServer } from 'mapi-mock';

// A real server on a free port: point the code under test at server.gatewayUrl.
const server = await startServer();
after(() => server.close());

// Or drive the mock with the typed client: it signs, sends, checks the answer's sign and parses it.
const client = new MapiClient({ partner: server.partner.id, key: server.partner.key, gatewayUrl: server.gatewayUrl });
const coffee = { amount: '10.00', currency: 'USD', buyerCode: '281234567890123456', transName: 'Coffee' };

test('pay, query, refund, cancel', async () => {
  const pay = await client.pay({ ...coffee, partnerTransId: 'T1' });
  assert.equal(pay.resultCode, 'SUCCESS');
  assert.equal(pay.signValid, true);

  const query = await client.query({ partnerTransId: 'T1' });
  assert.equal(query.fields.alipay_trans_status, 'TRADE_SUCCESS');

  const refund = await client.refund({ partnerTransId: 'T1', partnerRefundId: 'R1', amount: '2.50', currency: 'USD' });
  assert.equal(refund.resultCode, 'SUCCESS');

  const cancel = await client.cancel({ outTradeNo: 'T1' });
  assert.equal(cancel.fields.action, 'refund'); // paid today: the rest is refunded and the trade closed
});

test('amount 9907: the buyer walks away, and the trade closes itself after 3 minutes', async () => {
  const pay = await client.pay({ ...coffee, partnerTransId: 'T2', amount: '9907' });
  assert.equal(pay.resultCode, 'UNKNOW');

  await server.mock.clock.advance(181); // move the partner's clock instead of waiting
  const query = await client.query({ partnerTransId: 'T2' });
  assert.equal(query.fields.alipay_trans_status, 'TRADE_CLOSED');
  await server.mock.clock.reset();
});

test('a scenario: every query fails for 30 minutes', async () => {
  await server.mock.scenario({ service: 'query', resultCode: 'FAIL', error: 'SYSTEM_ERROR' });
  const query = await client.query({ partnerTransId: 'T1' });
  assert.equal(query.error, 'SYSTEM_ERROR');
  await server.mock.reset();
});

test('the client refuses what the gateway would refuse', async () => {
  await assert.rejects(client.pay({ ...coffee, partnerTransId: 'T3', amount: '10.001' }), MapiArgumentError);
});
