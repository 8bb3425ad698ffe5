// Reading a gateway answer the way a client does (fields, signature check), and laying it out for reading.
import { XMLValidator } from 'fast-xml-parser';
import { create } from 'xmlbuilder2';
import { parseAnswer } from '../../core/answer-parse.ts';
import { type Charset, answerCharset } from '../../core/charset.ts';
import { signParams } from '../../core/sign.ts';
import { MapiResponseError } from '../../core/errors.ts';

export type AnswerReading =
  | {
      ok: true;
      isSuccess: string;
      /** the gateway error (`is_success=F`) */
      error: string | null;
      /** `<response><alipay>` in document order */
      fields: Array<{ name: string; value: string }>;
      sign: string | null;
      signType: string | null;
      /** what the sign is over: the bytes of the request's `_input_charset`, as echoed */
      charset: Charset;
    }
  | { ok: false; message: string };

export type SignCheck =
  | { state: 'verified' }
  | { state: 'mismatch'; expected: string; got: string }
  | { state: 'unsigned' };

/** The answer as a client reads it (the same parser as MapiClient); what is not a MAPI answer is reported, not thrown. */
export function readAnswerXml(xml: string): AnswerReading {
  if (xml.trim() === '') return { ok: false, message: 'The answer had no body.' };
  try {
    const answer = parseAnswer(xml);
    return {
      ok: true,
      isSuccess: answer.isSuccess ? 'T' : 'F',
      error: answer.isSuccess ? null : (answer.error ?? null),
      fields: Object.entries(answer.fields).map(([name, value]) => ({ name, value })),
      sign: answer.sign,
      charset: answerCharset(answer.request._input_charset),
      signType: answer.signType,
    };
  } catch (error) {
    if (error instanceof MapiResponseError) return { ok: false, message: `The answer could not be read: ${error.message}.` };
    throw error;
  }
}

/** The client's check: the `<response><alipay>` fields, sorted, empties left out, key appended, MD5 in the request's charset. */
export function checkAnswerSign(reading: Extract<AnswerReading, { ok: true }>, key: string): SignCheck {
  if (reading.sign === null) return { state: 'unsigned' };
  const fields: Record<string, string> = Object.create(null);
  for (const { name, value } of reading.fields) fields[name] = value;
  const expected = signParams(fields, key, reading.charset);
  return expected === reading.sign ? { state: 'verified' } : { state: 'mismatch', expected, got: reading.sign };
}

/**
 * One element a line, indented, by xmlbuilder2; for reading only. What is not well-formed XML (a `malformed_xml`
 * fault, an HTML error page) is shown as it came, since xmlbuilder2 would quietly repair it.
 */
export function prettyXml(xml: string): string {
  if (!xml.trimStart().startsWith('<') || XMLValidator.validate(xml) !== true) return xml;
  try {
    const doc = create(xml);
    keepAmpersands(doc.node);
    return doc.end({ prettyPrint: true });
  } catch {
    return xml;
  }
}

type DomNode = ReturnType<typeof create>['node'];
type DomElement = DomNode & { attributes: Iterable<{ value: string }> };
const ELEMENT = 1;
const TEXT = 3;

/**
 * xmlbuilder2's writer leaves an `&` that starts something entity-like (`&amp;` in a value) as it is, so a value
 * `&amp;` would be shown as `&`. Escaping every `&` in the tree first makes it write each value as it was sent.
 */
function keepAmpersands(node: DomNode): void {
  if (node.nodeType === TEXT) {
    node.nodeValue = (node.nodeValue ?? '').replaceAll('&', '&amp;');
    return;
  }
  if (node.nodeType === ELEMENT) {
    for (const attribute of Array.from((node as DomElement).attributes)) attribute.value = attribute.value.replaceAll('&', '&amp;');
  }
  for (let child = node.firstChild; child !== null; child = child.nextSibling) keepAmpersands(child);
}
