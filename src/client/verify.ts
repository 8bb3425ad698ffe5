import { type Charset, answerCharset } from '../core/charset.ts';
import { md5Hex, signingString } from '../core/sign.ts';
import { MapiArgumentError } from '../core/errors.ts';
import { type ParsedAnswer, parseAnswer } from '../core/answer-parse.ts';

export interface VerifiedAnswer extends ParsedAnswer {
  /** the answer is signed and its sign matches its fields and the key */
  ok: boolean;
  /** the answer carries a sign (gateway errors, `is_success=F`, never do) */
  signed: boolean;
  /** the string the sign must be made over: the `<response><alipay>` fields, sorted, without empty values */
  signedString: string;
}

/**
 * Parses a gateway answer and checks its sign the way MAPI client libraries do: the `<response><alipay>` fields
 * sorted, empty values left out, the key appended, MD5 over their bytes in the request's charset (`charset`, by
 * default the `_input_charset` the answer echoes; GBK without one). Not XML → MapiResponseError.
 */
export function verifyResponse(answer: string | Uint8Array, key: string, charset?: Charset): VerifiedAnswer {
  if (typeof key !== 'string' || key === '') throw new MapiArgumentError('key', 'must be the partner\'s MD5 key (a non-empty string)');
  const parsed = parseAnswer(answer);
  const signedString = signingString(parsed.fields);
  const signed = parsed.sign !== null;
  const ok = signed && md5Hex(signedString, key, charset ?? answerCharset(parsed.request._input_charset)) === parsed.sign!.toLowerCase();
  return { ...parsed, ok, signed, signedString };
}
