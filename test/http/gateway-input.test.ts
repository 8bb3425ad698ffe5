import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { type TestApp, KEY, PARTNER, createTestApp } from '../helpers/app.ts';
import { type Answer, call, clientSign, encodeForm, payParams, rawCall, signed } from '../helpers/mapi.ts';

let t: TestApp;
before(async () => {
  t = await createTestApp();
});
after(() => t.close());

const gatewayError = (answer: Answer, code: string) => {
  assert.equal(answer.status, 200);
  assert.equal(answer.contentType, 'text/xml; charset=GBK');
  assert.equal(answer.xml, `<?xml version="1.0" encoding="GBK"?><alipay><is_success>F</is_success><error>${code}</error></alipay>`);
};

test('GET with everything in the query string (Ruby, PHP SDKs)', async () => {
  const answer = await call(t.app, payParams(), { method: 'GET' });
  assert.equal(answer.fields.result_code, 'SUCCESS');
  assert.equal(answer.signValid, true);
});

test("the official Java demo's content type, with _input_charset in URL and body", async () => {
  const params = signed(payParams({ trans_name: '咖啡' }), { charset: 'utf-8' });
  const answer = await rawCall(t.app, {
    query: '_input_charset=utf-8',
    body: encodeForm(params),
    contentType: 'application/x-www-form-urlencoded; text/html; charset=utf-8',
  });
  assert.equal(answer.fields.result_code, 'SUCCESS');
  assert.equal(answer.echo.trans_name, '咖啡');
});

test('POST with _input_charset only in the URL (the Java SDK), charset=GBK header', async () => {
  const all = signed(payParams({ trans_name: '咖啡' }), { charset: 'GBK' });
  const { _input_charset, ...rest } = all;
  const answer = await rawCall(t.app, {
    query: `_input_charset=${_input_charset}`,
    body: encodeForm(rest, 'gbk'),
    contentType: 'application/x-www-form-urlencoded;charset=GBK',
  });
  assert.equal(answer.fields.result_code, 'SUCCESS');
  assert.equal(answer.echo.trans_name, '咖啡');
});

test('GBK request with no _input_charset at all is read as GBK', async () => {
  const params = payParams({ trans_name: '咖啡' });
  const all: Record<string, string> = { partner: PARTNER, ...params };
  all.sign = clientSign(all, KEY, 'gbk');
  all.sign_type = 'MD5';
  const answer = await rawCall(t.app, { method: 'GET', query: encodeForm(all, 'gbk') });
  assert.equal(answer.fields.result_code, 'SUCCESS');
});

test('multipart/form-data (the official PHP demo)', async () => {
  const params = signed(payParams({ trans_name: '咖啡' }));
  const boundary = '----mapi' + Date.now();
  const body = Buffer.concat([
    ...Object.entries(params).map(([k, v]) =>
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`, 'utf8'),
    ),
    Buffer.from(`--${boundary}--\r\n`),
  ]);
  const answer = await rawCall(t.app, { query: '_input_charset=utf-8', body, contentType: `multipart/form-data; boundary=${boundary}` });
  assert.equal(answer.fields.result_code, 'SUCCESS');
  assert.equal(answer.echo.trans_name, '咖啡');
});

test('any path ending in /gateway.do, any method', async () => {
  const form = encodeForm(signed({ service: 'alipay.acquire.overseas.query', partner_trans_id: 'none' }));
  const answer = await rawCall(t.app, { method: 'PUT', path: '/sandbox/gateway.do', body: form, contentType: 'application/x-www-form-urlencoded' });
  assert.deepEqual([answer.fields.result_code, answer.fields.error], ['FAIL', 'TRADE_NOT_EXIST']);
});

test('signatures with empty values kept are accepted too', async () => {
  const params: Record<string, string> = { partner: PARTNER, _input_charset: 'utf-8', ...payParams({ memo: '' }) };
  params.sign = clientSign(params, KEY, 'utf-8', true);
  params.sign_type = 'MD5';
  assert.equal((await rawCall(t.app, { method: 'GET', query: encodeForm(params) })).fields.result_code, 'SUCCESS');
});

test('gateway errors in the documented order', async () => {
  gatewayError(await rawCall(t.app, {}), 'ILLEGAL_PARTNER');
  gatewayError(await rawCall(t.app, { method: 'GET', query: 'partner=2088999999999999&service=x' }), 'ILLEGAL_PARTNER');
  const good = signed({ service: 'alipay.acquire.overseas.query', partner_trans_id: 'x1' });
  gatewayError(await rawCall(t.app, { method: 'GET', query: encodeForm({ ...good, sign_type: 'RSA' }) }), 'ILLEGAL_SIGN_TYPE');
  const { sign: _sign, ...unsigned } = good;
  gatewayError(await rawCall(t.app, { method: 'GET', query: encodeForm(unsigned) }), 'ILLEGAL_SIGN');
  gatewayError(await rawCall(t.app, { method: 'GET', query: encodeForm({ ...good, partner_trans_id: 'x2' }) }), 'ILLEGAL_SIGN');
  gatewayError(await call(t.app, { service: 'alipay.trade.pay', out_trade_no: '1' }), 'ILLEGAL_SERVICE');
  gatewayError(await call(t.app, { service: 'alipay.acquire.overseas.query' }), 'ILLEGAL_ARGUMENT');
  const { trans_amount: _amount, ...noAmount } = payParams();
  gatewayError(await call(t.app, noAmount), 'ILLEGAL_ARGUMENT');
});

test('unreadable input: malformed escapes, bad bytes, unknown charset, conflicting duplicates', async () => {
  gatewayError(await rawCall(t.app, { method: 'GET', query: 'partner=%zz' }), 'ILLEGAL_ARGUMENT');
  gatewayError(await rawCall(t.app, { body: 'a=%E4%B8', query: '_input_charset=utf-8', contentType: 'application/x-www-form-urlencoded' }), 'ILLEGAL_CHARSET');
  gatewayError(await rawCall(t.app, { method: 'GET', query: '_input_charset=latin1&partner=1' }), 'ILLEGAL_CHARSET');
  const form = encodeForm(signed({ service: 'alipay.acquire.overseas.query', partner_trans_id: 'a' }));
  gatewayError(await rawCall(t.app, { query: 'partner_trans_id=b', body: form, contentType: 'application/x-www-form-urlencoded' }), 'ILLEGAL_ARGUMENT');
  gatewayError(await rawCall(t.app, { body: '--x\r\nbroken', contentType: 'multipart/form-data; boundary=y' }), 'ILLEGAL_ARGUMENT');
});

test('a multipart part without a name is ILLEGAL_ARGUMENT, with no stack trace, never a SYSTEM_ERROR', async () => {
  const errors: unknown[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => void errors.push(args);
  try {
    const field = '--b\r\nContent-Disposition: form-data\r\n\r\nvalue\r\n--b--\r\n';
    gatewayError(await rawCall(t.app, { body: field, contentType: 'multipart/form-data; boundary=b' }), 'ILLEGAL_ARGUMENT');
    const file = '--b\r\nContent-Disposition: form-data; filename="a.txt"\r\n\r\nvalue\r\n--b--\r\n';
    gatewayError(await rawCall(t.app, { body: file, contentType: 'multipart/form-data; boundary=b' }), 'ILLEGAL_ARGUMENT');
    const emptyName = '--b\r\nContent-Disposition: form-data; name=""\r\n\r\nvalue\r\n--b--\r\n';
    gatewayError(await rawCall(t.app, { body: emptyName, contentType: 'multipart/form-data; boundary=b' }), 'ILLEGAL_ARGUMENT');
  } finally {
    console.error = original;
  }
  assert.deepEqual(errors, []);
});

test('present but invalid values are a signed INVALID_PARAMETER', async () => {
  for (const trans_amount of ['-1', 'abc', '1.234', '0', '0.00', '100000000.01', '']) {
    const answer = await call(t.app, payParams({ trans_amount }));
    if (trans_amount === '') {
      gatewayError(answer, 'ILLEGAL_ARGUMENT');
      continue;
    }
    assert.deepEqual([answer.isSuccess, answer.fields.result_code, answer.fields.error, answer.signValid], ['T', 'FAILED', 'INVALID_PARAMETER', true], trans_amount);
  }
  const currency = await call(t.app, payParams({ currency: 'XXX' }));
  assert.deepEqual([currency.fields.result_code, currency.fields.error], ['FAILED', 'INVALID_PARAMETER']);
});

test('markup and CDATA terminators in values are echoed escaped', async () => {
  const answer = await call(t.app, payParams({ trans_name: '<b>&amp; ]]> "x"' }));
  assert.equal(answer.fields.result_code, 'SUCCESS');
  assert.equal(answer.echo.trans_name, '<b>&amp; ]]> "x"');
  assert.ok(answer.xml.includes('&lt;b&gt;&amp;amp; ]]&gt; &quot;x&quot;'));
});

test('a body over 1 MiB: HTTP 413 with the XML gateway error', async () => {
  const answer = await rawCall(t.app, { body: 'a=' + 'x'.repeat(1024 * 1024 + 10), contentType: 'application/x-www-form-urlencoded' });
  assert.equal(answer.status, 413);
  assert.equal(answer.isSuccess, 'F');
  assert.equal(answer.error, 'ILLEGAL_ARGUMENT');
  // the process is still answering
  assert.equal((await call(t.app, { service: 'alipay.acquire.overseas.query', partner_trans_id: 'z' })).fields.error, 'TRADE_NOT_EXIST');
});
