import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FormError, decodePairs, findCharset, parseUrlEncoded, percentEncode } from '../../src/core/form.ts';
import { readRequest } from '../../src/core/gateway.ts';

const pairs = (text: string) => parseUrlEncoded(Buffer.from(text, 'latin1'));

test('percent escapes become bytes, + is a space, empty values and bare names are kept', () => {
  const decoded = decodePairs(pairs('a=1+2&b=%E5%92%96%E5%95%A1&c=&d&&=x'), 'utf-8');
  assert.deepEqual(decoded.params, Object.assign(Object.create(null), { a: '1 2', b: '咖啡', c: '', d: '' }));
  assert.deepEqual(decoded.order, ['a', 'b', 'c', 'd']);
});

test('GBK escapes decode with the GBK charset', () => {
  assert.equal(decodePairs(pairs('n=%BF%A7%B7%C8'), 'gbk').params.n, '咖啡');
  assert.equal(decodePairs(pairs('n=%D6%D0'), 'gb2312').params.n, '中');
});

test('a malformed escape is ILLEGAL_ARGUMENT', () => {
  for (const bad of ['a=%', 'a=%4', 'a=%ZZ', 'a=%4g', '%=1']) {
    assert.throws(() => pairs(bad), (e: unknown) => e instanceof FormError && e.code === 'ILLEGAL_ARGUMENT', bad);
  }
});

test('bytes that are not valid in the charset are ILLEGAL_CHARSET', () => {
  assert.throws(() => decodePairs(pairs('n=%FF%FE'), 'utf-8'), (e: unknown) => e instanceof FormError && e.code === 'ILLEGAL_CHARSET');
  assert.throws(() => decodePairs(pairs('n=%81'), 'gbk'), (e: unknown) => e instanceof FormError && e.code === 'ILLEGAL_CHARSET');
  assert.throws(() => decodePairs(pairs('n=%FF%20'), 'gbk'), (e: unknown) => e instanceof FormError && e.code === 'ILLEGAL_CHARSET');
});

test('a parameter twice: the same value is fine, a different one is ILLEGAL_ARGUMENT', () => {
  assert.equal(decodePairs(pairs('_input_charset=utf-8&_input_charset=utf-8'), 'utf-8').order.length, 1);
  assert.throws(() => decodePairs(pairs('a=1&a=2'), 'utf-8'), (e: unknown) => e instanceof FormError && e.code === 'ILLEGAL_ARGUMENT');
});

test('the charset comes from the URL first, then the body, else GBK; any case; unknown names refused', () => {
  assert.equal(findCharset(pairs('_input_charset=UTF-8'), pairs('_input_charset=gbk')).charset, 'utf-8');
  assert.equal(findCharset([], pairs('_input_charset=Utf-8')).charset, 'utf-8');
  assert.equal(findCharset([], pairs('a=1')).charset, 'gbk');
  assert.equal(findCharset(pairs('_input_charset=GB2312'), []).charset, 'gb2312');
  assert.throws(() => findCharset(pairs('_input_charset=latin1'), []), (e: unknown) => e instanceof FormError && e.code === 'ILLEGAL_CHARSET');
});

test('readRequest merges URL and body and answers errors instead of throwing', () => {
  const ok = readRequest(pairs('_input_charset=utf-8&x=1'), pairs('y=%E4%B8%AD&_input_charset=utf-8'));
  assert.ok(ok.ok);
  assert.deepEqual({ ...ok.request.params }, { _input_charset: 'utf-8', x: '1', y: '中' });
  const conflict = readRequest(pairs('x=1'), pairs('x=2'));
  assert.deepEqual(conflict.ok ? null : conflict.error, 'ILLEGAL_ARGUMENT');
});

test('a NUL character is ILLEGAL_ARGUMENT, escaped or raw', () => {
  assert.throws(() => decodePairs(pairs('trans_name=a%00b'), 'utf-8'), (e: unknown) => e instanceof FormError && e.code === 'ILLEGAL_ARGUMENT');
  assert.throws(() => decodePairs(pairs('trans_name=a\0b'), 'utf-8'), (e: unknown) => e instanceof FormError && e.code === 'ILLEGAL_ARGUMENT');
});

test('raw (unescaped) bytes beside plain ASCII pairs: each decoded in the charset the URL or the body names', () => {
  // a body of raw GBK, as a Java till writes it: 咖啡 unescaped, the rest plain ASCII
  const gbkBody = Buffer.concat([Buffer.from('_input_charset=gbk&trans_name=', 'latin1'), Buffer.from([0xbf, 0xa7, 0xb7, 0xc8]), Buffer.from('&x=1', 'latin1')]);
  const gbk = readRequest([], parseUrlEncoded(gbkBody));
  assert.ok(gbk.ok);
  assert.deepEqual([gbk.request.charset, gbk.request.params.trans_name, gbk.request.params.x], ['gbk', '咖啡', '1']);
  // the charset named in a plain ASCII query string governs the raw UTF-8 body
  const utf8 = readRequest(pairs('_input_charset=utf-8'), parseUrlEncoded(Buffer.from('trans_name=中&y=2', 'utf8')));
  assert.ok(utf8.ok);
  assert.deepEqual([utf8.request.charset, utf8.request.params.trans_name, utf8.request.params.y], ['utf-8', '中', '2']);
  // and raw bytes invalid in it are refused, as escaped ones are
  assert.deepEqual(readRequest(pairs('_input_charset=utf-8'), parseUrlEncoded(Buffer.from([0x6e, 0x3d, 0xff]))).ok, false);
});

test('percentEncode: unreserved bytes as they are, the rest %XX, and a space as + when asked; parseUrlEncoded reads it back', () => {
  const bytes = Buffer.from('a-Z._~*9 &=%+/中', 'utf8');
  assert.equal(percentEncode(bytes), 'a-Z._~*9%20%26%3D%25%2B%2F%E4%B8%AD');
  assert.equal(percentEncode(bytes, { spaceAsPlus: true }), 'a-Z._~*9+%26%3D%25%2B%2F%E4%B8%AD');
  assert.equal(percentEncode(Buffer.from([0, 15, 16, 255])), '%00%0F%10%FF');
  for (const spaceAsPlus of [false, true]) {
    const [pair] = parseUrlEncoded(Buffer.from(`v=${percentEncode(bytes, { spaceAsPlus })}`));
    assert.deepEqual(Buffer.from(pair!.value), bytes);
  }
});
