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

test('fast-xml-parser decodes every entity a gateway may write, exactly once, with no decoding of our own', () => {
  // written by hand, not by our renderer: the five named entities, hex and decimal references (a character
  // beyond GBK among them), a CR kept as &#13;, and an escaped "&amp;" that must stay "&amp;"
  const xml = '<?xml version="1.0" encoding="GBK"?><alipay><is_success>T</is_success>'
    + '<request><param name="memo">&lt;&amp;amp;&gt;</param></request>'
    + '<response><alipay><memo>&lt;a&gt; &amp;amp; &quot;q&quot; &apos;s&apos; &#65;&#x42; &#x1f600;&#128512; x&#13;y</memo></alipay></response>'
    + '<sign>0</sign><sign_type>MD5</sign_type></alipay>';
  const answer = parseAnswer(Buffer.from(xml, 'latin1'));
  assert.equal(answer.fields.memo, '<a> &amp; "q" \'s\' AB 😀😀 x\ry');
  assert.deepEqual(answer.request, { memo: '<&amp;>' });
});

test('what is not MAPI XML is a MapiResponseError', () => {
  for (const body of ['', '<alipay><is_success>T</is_success>', '<html>500</html>']) {
    assert.throws(() => parseAnswer(Buffer.from(body)), MapiResponseError, body);
  }
});
