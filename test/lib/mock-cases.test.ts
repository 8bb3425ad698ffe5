import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { MapiArgumentError, createMock } from '../../src/index.ts';

const mock = createMock();
after(() => mock.close());

test('mock.cases: list, start, report and reset, for the sandbox partner unless named', async () => {
  assert.equal((await mock.cases.list()).length, 11);
  const started = await mock.cases.start('refund-partial-full');
  assert.equal(started.state, 'waiting');
  const client = mock.client();
  await client.pay({ partnerTransId: 'L1', amount: '10.00', currency: 'USD', buyerCode: '281234567890123456', transName: 'Tea' });
  await client.refund({ partnerTransId: 'L1', partnerRefundId: 'L1-R1', amount: '3.00', currency: 'USD' });
  assert.equal((await mock.cases.get('refund-partial-full')).state, 'waiting');
  await client.refund({ partnerTransId: 'L1', partnerRefundId: 'L1-R2', amount: '7.00', currency: 'USD' });
  const report = await mock.cases.report(mock.partner.id);
  assert.deepEqual([report.passed, report.failed, report.waiting, report.notStarted], [1, 0, 0, 10]);
  assert.equal(report.items.find((item) => item.id === 'refund-partial-full')!.evidence.length, 3);
  assert.equal((await mock.cases.reset('refund-partial-full')).state, 'not_started');
});

test('an unknown case or partner is a MapiArgumentError naming it', async () => {
  await assert.rejects(mock.cases.start('pay-sucess' as 'pay-success'), (error) => error instanceof MapiArgumentError && error.argument === 'id');
  await assert.rejects(mock.cases.list('2088999999999999'), (error) => error instanceof MapiArgumentError && error.argument === 'partner');
});
