import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { normalizeCharset } from '../../src/core/charset.ts';
import { signParams, signingString, verifyRequestSign } from '../../src/core/sign.ts';

interface Vector {
  name: string;
  key: string;
  charset: string;
  params?: Record<string, string>;
  fields?: Record<string, string>;
  string: string;
  sign: string;
}
const vectors = JSON.parse(readFileSync(new URL('../fixtures/signing.json', import.meta.url), 'utf8')) as {
  requests: Vector[];
  responses: Vector[];
};

for (const v of vectors.requests) {
  test(`request vector: ${v.name}`, () => {
    const charset = normalizeCharset(v.charset)!;
    const keepEmpty = v.name.includes('keeps empty');
    assert.equal(signingString(v.params!, { keepEmpty }), v.string);
    assert.equal(signParams(v.params!, v.key, charset, { keepEmpty }), v.sign);
    const verified = verifyRequestSign({ ...v.params!, sign: v.sign, sign_type: 'MD5' }, v.key, charset, v.sign);
    assert.equal(verified.ok, true);
    assert.equal(verified.signedString, v.string);
    assert.equal(verified.form, keepEmpty ? 'empty-kept' : 'official');
  });
}

for (const v of vectors.responses) {
  test(`response vector: ${v.name}`, () => {
    assert.equal(signingString(v.fields!), v.string);
    assert.equal(signParams(v.fields!, v.key, normalizeCharset(v.charset)!), v.sign);
  });
}

test('a wrong key, a changed value or the wrong charset fails verification', () => {
  const v = vectors.requests.find((r) => r.charset === 'GBK')!;
  assert.equal(verifyRequestSign(v.params!, 'x'.repeat(32), 'gbk', v.sign).ok, false);
  assert.equal(verifyRequestSign({ ...v.params!, trans_amount: '0.02' }, v.key, 'gbk', v.sign).ok, false);
  assert.equal(verifyRequestSign(v.params!, v.key, 'utf-8', v.sign).ok, false);
  assert.equal(verifyRequestSign(v.params!, v.key, 'gbk', v.sign.toUpperCase()).ok, false);
});

test('sign and sign_type are left out whatever their case; unknown parameters stay in', () => {
  assert.equal(signingString({ b: '2', a: '1', SIGN: 'x', Sign_Type: 'MD5', refund_reson: 'r' }), 'a=1&b=2&refund_reson=r');
});
