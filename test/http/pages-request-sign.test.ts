import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { type TestApp, createTestApp } from '../helpers/app.ts';
import { clientSign, encodeForm, payParams, rawCall, signed } from '../helpers/mapi.ts';
import { PageSession } from '../helpers/pages.ts';

let t: TestApp;
before(async () => {
  t = await createTestApp();
});
after(() => t.close());

test("an ILLEGAL_SIGN request's page shows the sign sent beside the one the saved key gives", async () => {
  const wrong = signed(payParams(), { key: 'not-the-partners-key' });
  const answer = await rawCall(t.app, { body: encodeForm(wrong), contentType: 'application/x-www-form-urlencoded' });
  assert.equal(answer.error, 'ILLEGAL_SIGN');
  await t.ctx.flush();
  const [entry] = await t.ctx.stores.requestLog.list({ limit: 1 });
  const page = await new PageSession(t.app).get(`/requests/${entry!.id}`);
  const { sign: _sent, sign_type: _type, ...unsigned } = wrong;
  const expected = clientSign(unsigned);
  assert.match(page.text, /Why ILLEGAL_SIGN: the sign sent, and the one the partner's saved key gives/);
  const shown = (label: string) => {
    const dd = new RegExp(`<dt>${label}</dt><dd class="mono tool-break">(.*?)</dd>`).exec(page.text)![1]!;
    return dd.replace(/<\/?mark>/g, '');
  };
  assert.equal(shown('Sent'), wrong.sign);
  assert.equal(shown('Expected'), expected);
  assert.match(page.text, /\d+ of 32 characters differ \(marked\)/);
});

test('a request refused before the rules lists no nearest rules: none was consulted', async () => {
  const wrong = signed(payParams({ trans_amount: '9902' }), { key: 'not-the-partners-key' });
  await rawCall(t.app, { body: encodeForm(wrong), contentType: 'application/x-www-form-urlencoded' });
  await t.ctx.flush();
  const [entry] = await t.ctx.stores.requestLog.list({ limit: 1 });
  const page = await new PageSession(t.app).get(`/requests/${entry!.id}`);
  assert.match(page.text, /The gateway refused this request \(ILLEGAL_SIGN\) before any rule was consulted\./);
  assert.doesNotMatch(page.text, /Nearest rules|comes close/);
});
