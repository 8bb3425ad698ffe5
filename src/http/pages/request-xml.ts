// Reading a gateway answer the way a client does (fields, signature check), and laying it out for reading.
import { parseAnswer } from '../../core/answer-parse.ts';
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
      signType: answer.signType,
    };
  } catch (error) {
    if (error instanceof MapiResponseError) return { ok: false, message: `The answer could not be read: ${error.message}.` };
    throw error;
  }
}

/** The client's check: the `<response><alipay>` fields, sorted, empties left out, key appended, MD5 over GBK. */
export function checkAnswerSign(reading: Extract<AnswerReading, { ok: true }>, key: string): SignCheck {
  if (reading.sign === null) return { state: 'unsigned' };
  const fields: Record<string, string> = Object.create(null);
  for (const { name, value } of reading.fields) fields[name] = value;
  const expected = signParams(fields, key, 'gbk');
  return expected === reading.sign ? { state: 'verified' } : { state: 'mismatch', expected, got: reading.sign };
}

/** One element a line, indented; a leaf keeps its text on its line. For reading only: nothing is re-parsed. */
export function prettyXml(xml: string): string {
  if (!xml.trimStart().startsWith('<')) return xml;
  const tokens = xml.match(/<[^>]*>|[^<]+/g) ?? [];
  const lines: string[] = [];
  let depth = 0;
  const indent = () => '  '.repeat(Math.max(depth, 0));
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const next = tokens[i + 1];
    const afterNext = tokens[i + 2];
    if (token.startsWith('<?') || token.startsWith('<!')) lines.push(indent() + token);
    else if (token.startsWith('</')) {
      depth--;
      lines.push(indent() + token);
    } else if (token.startsWith('<')) {
      if (token.endsWith('/>')) lines.push(indent() + token);
      else if (next !== undefined && !next.startsWith('<') && afterNext?.startsWith('</')) {
        lines.push(indent() + token + next + afterNext);
        i += 2;
      } else if (next?.startsWith('</')) {
        lines.push(indent() + token + next);
        i += 1;
      } else {
        lines.push(indent() + token);
        depth++;
      }
    } else if (token.trim() !== '') lines.push(indent() + token.trim());
  }
  return lines.join('\n');
}
