import { test } from 'node:test';
import assert from 'node:assert/strict';
import iconv from 'iconv-lite';
import { parseUrlEncoded } from '../../src/core/form.ts';
import { readRequest } from '../../src/core/gateway.ts';
import { paramsReadableFromText, rawRequestParams, rawRequestText } from '../../src/core/raw-request.ts';

/** what the gateway decoded from a request's bytes, as a plain object */
function decoded(query: Buffer, body: Buffer): Record<string, string> {
  const read = readRequest(parseUrlEncoded(query), parseUrlEncoded(body));
  assert.ok(read.ok, read.ok ? '' : read.message);
  return { ...read.request.params };
}

const gbk = (text: string) => iconv.encode(text, 'gbk');

test('the parameters read back from the log text of a request are those the gateway decoded from its bytes', () => {
  const cases: Array<[string, Buffer, Buffer]> = [
    ['a urlencoded UTF-8 pay', Buffer.alloc(0), Buffer.from('service=alipay.acquire.overseas.spot.pay&_input_charset=utf-8&trans_name=%E5%92%96%E5%95%A1&trans_amount=10.00&sign=abc&sign_type=MD5')],
    ['raw GBK bytes in the body, the charset in the query', Buffer.from('_input_charset=gbk'), Buffer.concat([Buffer.from('trans_name='), gbk('咖啡 & 茶'), Buffer.from('&x=1+2')])],
    ['a GET with the query only', Buffer.from('service=alipay.acquire.overseas.query&partner=2088&sign=%2Bx%2F'), Buffer.alloc(0)],
    ['raw bytes past 0x7f as they came (GBK, the default charset)', Buffer.alloc(0), Buffer.from([0x61, 0x3d, 0xb0, 0xa1, 0x26, 0x62, 0x3d, 0xd6, 0xd0])],
    ['nothing at all', Buffer.alloc(0), Buffer.alloc(0)],
    ['a blank line inside the body', Buffer.from('q=1'), Buffer.from('a=1\n\nb=2')],
  ];
  for (const [what, query, body] of cases) {
    const expected = decoded(query, body);
    assert.ok(paramsReadableFromText(query, false), what);
    assert.deepEqual(rawRequestParams(rawRequestText('POST', '/gateway.do', query, body)), expected, what);
  }
});

test('the text of a request is its line, then a blank line and the body; a multipart body or a line feed in the query is not read back', () => {
  assert.equal(rawRequestText('POST', '/gateway.do', Buffer.from('a=1'), Buffer.from('b=%E5')), 'POST /gateway.do?a=1\n\nb=%E5');
  assert.equal(rawRequestText('GET', '/gateway.do', Buffer.alloc(0), Buffer.alloc(0)), 'GET /gateway.do');
  assert.equal(paramsReadableFromText(Buffer.from('a=1'), true), false);
  assert.equal(paramsReadableFromText(Buffer.from('a=1\nb=2'), false), false);
  // text that is not of a request read by the gateway gives nothing
  assert.equal(rawRequestParams('POST /gateway.do\n\na=%ZZ'), null);
  assert.equal(rawRequestParams('POST /gateway.do\n\nname=咖啡'), null);
  // a NUL (shown as U+2400 in the log) was refused by the gateway, which logged no parameters for it
  assert.equal(rawRequestParams('POST /gateway.do\n\na=\u2400'), null);
});
