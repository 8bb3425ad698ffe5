import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAnswer } from '../../src/core/answer-parse.ts';
import { MapiResponseError } from '../../src/core/errors.ts';
import { encodeXmlGbk } from '../../src/core/charset.ts';
import { renderSuccess } from '../../src/core/xml.ts';

const KEY = '0123456789abcdefghijklmnopqrstuv';

test('values come back exactly as the gateway signed them: entities decoded once, references to wide characters too', () => {
  const memo = '&amp; <b> ]]> "q" 咖啡 😀 &#x41;';
  const { xml } = renderSuccess({ echo: [['memo', memo]], fields: { result_code: 'SUCCESS', memo }, key: KEY, charset: 'utf-8' });
  const answer = parseAnswer(encodeXmlGbk(xml));
  assert.equal(answer.fields.memo, memo);
  assert.equal(answer.request.memo, memo);
  assert.equal(answer.resultCode, 'SUCCESS');
});

test('what is not MAPI XML is a MapiResponseError', () => {
  for (const body of ['', '<alipay><is_success>T</is_success>', '<html>500</html>']) {
    assert.throws(() => parseAnswer(Buffer.from(body)), MapiResponseError, body);
  }
});
