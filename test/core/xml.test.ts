import { test } from 'node:test';
import assert from 'node:assert/strict';
import iconv from 'iconv-lite';
import { XMLParser } from 'fast-xml-parser';
import { readFileSync } from 'node:fs';
import { encodeXmlGbk, normalizeCharset } from '../../src/core/charset.ts';
import { md5Hex, signingString } from '../../src/core/sign.ts';
import { renderGatewayError, renderSuccess } from '../../src/core/xml.ts';

const KEY = '0123456789abcdefghijklmnopqrstuv';

test('a gateway error has no echo and no sign', () => {
  assert.equal(
    renderGatewayError('ILLEGAL_SIGN'),
    '<?xml version="1.0" encoding="GBK"?><alipay><is_success>F</is_success><error>ILLEGAL_SIGN</error></alipay>',
  );
});

test('the published business failure: sorted fields, signed over GBK', () => {
  const { xml, sign } = renderSuccess({ echo: [['service', 'x']], fields: { result_code: 'FAILED', error: 'BUYER_BALANCE_NOT_ENOUGH' }, key: KEY, charset: 'gbk' });
  assert.equal(sign, 'e1e3cac5f8b4bac96edfc2cdba199f1e');
  assert.match(xml, /<response><alipay><error>BUYER_BALANCE_NOT_ENOUGH<\/error><result_code>FAILED<\/result_code><\/alipay><\/response><sign>e1e3cac5f8b4bac96edfc2cdba199f1e<\/sign><sign_type>MD5<\/sign_type><\/alipay>$/);
});

test('the cancel failure with Chinese text is signed over its GBK bytes', () => {
  const { sign } = renderSuccess({
    echo: [],
    fields: { detail_error_code: 'TRADE_STATUS_ERROR', detail_error_des: '交易状态不合法', out_trade_no: 'T20240101000001', result_code: 'FAIL', retry_flag: 'N' },
    key: KEY,
    charset: 'gbk',
  });
  assert.equal(sign, 'f8fbe114cdecbccd17191dd45cbc56c4');
});

test('markup in values is escaped, control characters dropped, empty fields left out, and it parses', () => {
  const nasty = 'a<b>&c]]>"d\'\u0001';
  const { xml, fields } = renderSuccess({ echo: [['memo', nasty], ['x<y', '1']], fields: { result_code: 'SUCCESS', memo: nasty, empty: '' }, key: KEY, charset: 'gbk' });
  assert.deepEqual(fields, { memo: 'a<b>&c]]>"d\'', result_code: 'SUCCESS' });
  assert.ok(!xml.includes('<b>') && !xml.includes(']]>'));
  const parsed = new XMLParser({ ignoreAttributes: false }).parse(xml);
  assert.equal(parsed.alipay.response.alipay.memo, 'a<b>&c]]>"d\'');
  assert.equal(parsed.alipay.response.alipay.empty, undefined);
});

test('GBK bytes: Chinese stays Chinese, characters outside GBK become references', () => {
  const bytes = encodeXmlGbk('<a>咖啡😀</a>');
  assert.equal(iconv.decode(bytes, 'gbk'), '<a>咖啡&#x1f600;</a>');
});

test('a value that looks like an entity is escaped again, so the client reads what was sent', () => {
  const { xml, sign } = renderSuccess({ echo: [['memo', '&amp; &#65;']], fields: { result_code: 'SUCCESS', memo: '&amp;' }, key: KEY, charset: 'gbk' });
  assert.ok(xml.includes('<param name="memo">&amp;amp; &amp;#65;</param>'));
  assert.ok(xml.includes('<memo>&amp;amp;</memo>'));
  assert.equal(sign, renderSuccess({ echo: [], fields: { memo: '&amp;', result_code: 'SUCCESS' }, key: KEY, charset: 'gbk' }).sign);
});

interface ResponseVector {
  name: string;
  key: string;
  charset: string;
  fields: Record<string, string>;
  sign: string;
}
const { responses } = JSON.parse(readFileSync(new URL('../fixtures/signing.json', import.meta.url), 'utf8')) as { responses: ResponseVector[] };

for (const v of responses) {
  test(`the answer's sign is over what a client reads back: ${v.name}`, () => {
    const charset = normalizeCharset(v.charset)!;
    const { xml } = renderSuccess({ echo: [['_input_charset', v.charset]], fields: v.fields, key: v.key, charset });
    // the client: GBK bytes → text → the <response><alipay> fields → re-encoded in its own charset → MD5
    const text = iconv.decode(encodeXmlGbk(xml), 'gbk');
    const parsed = new XMLParser({ parseTagValue: false, processEntities: true, htmlEntities: true }).parse(text);
    const read = parsed.alipay.response.alipay as Record<string, string>;
    assert.deepEqual(read, Object.fromEntries(Object.entries(v.fields).sort(([a], [b]) => (a < b ? -1 : 1))));
    assert.equal(parsed.alipay.sign, v.sign);
    assert.equal(md5Hex(signingString(read), v.key, charset), v.sign);
  });
}

test('a CR in a value is written as a reference, so a parser that turns line ends into LF still reads it', () => {
  const { xml, fields } = renderSuccess({ echo: [], fields: { result_code: 'SUCCESS', out_trade_no: 'a\r\nb\rc' }, key: KEY, charset: 'utf-8' });
  assert.ok(xml.includes('<out_trade_no>a&#13;\nb&#13;c</out_trade_no>'));
  // XML 1.0 §2.11: CR LF and lone CR become LF before parsing; references are not touched
  const read = new XMLParser({ parseTagValue: false, trimValues: false, htmlEntities: true }).parse(xml.replace(/\r\n?/g, '\n'));
  assert.equal(read.alipay.response.alipay.out_trade_no, fields.out_trade_no);
});

test('any value reads back from the XML as sent, less what XML cannot carry (seeded random strings)', () => {
  const alphabet = ['a', '0', ' ', '\t', '\n', '\r', '\u0000', '\u001f', '&', '<', '>', '"', "'", '中', '\ud800', '\udc00', '😀', '\ufffe', '\ue000', '\u007f', 'é', ']]>', '&amp;'];
  let seed = 42;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const parser = new XMLParser({ parseTagValue: false, trimValues: false, htmlEntities: true, ignoreAttributes: false });
  for (let i = 0; i < 2000; i++) {
    let value = 'v';
    for (let n = Math.floor(next() * 8); n > 0; n--) value += alphabet[Math.floor(next() * alphabet.length)];
    // what XML 1.0 can carry: tab, LF, CR, and characters from space up, surrogate pairs whole, U+FFFE/FFFF never
    const expected = value.replace(/[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '');
    const { xml, fields } = renderSuccess({ echo: [['memo', value]], fields: { result_code: 'SUCCESS', memo: value }, key: KEY, charset: 'utf-8' });
    assert.equal(fields.memo, expected);
    const read = parser.parse(xml);
    assert.equal(read.alipay.response.alipay.memo, expected, JSON.stringify(value));
    assert.equal(read.alipay.request.param['#text'], expected, JSON.stringify(value));
  }
});
