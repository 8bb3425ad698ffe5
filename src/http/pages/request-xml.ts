// Reading a gateway answer the way a client does (fields, signature check), and laying it out for reading.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { signParams } from '../../core/sign.ts';

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** One pass, so that `&amp;lt;` stays `&lt;` (the parser's own decoding would go on to `<`). */
export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]{1,6}|#\d{1,7}|lt|gt|amp|quot|apos);/g, (whole, name: string) => {
    if (!name.startsWith('#')) return ENTITIES[name]!;
    const code = name.startsWith('#x') ? parseInt(name.slice(2), 16) : Number(name.slice(1));
    return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  parseAttributeValue: false,
  processEntities: false,
  trimValues: false,
  tagValueProcessor: (_name, value) => decodeEntities(value),
  attributeValueProcessor: (_name, value) => decodeEntities(value),
});

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

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/** The answer as a client reads it; anything but a well-formed `<alipay>` document is reported, not thrown. */
export function readAnswerXml(xml: string): AnswerReading {
  if (xml.trim() === '') return { ok: false, message: 'The answer had no body.' };
  const valid = XMLValidator.validate(xml);
  if (valid !== true) return { ok: false, message: `Not well-formed XML: ${valid.err.msg} (line ${valid.err.line}).` };
  let root: unknown;
  try {
    root = (parser.parse(xml) as { alipay?: unknown }).alipay;
  } catch (error) {
    return { ok: false, message: `The XML could not be read: ${(error as Error).message}` };
  }
  if (typeof root !== 'object' || root === null) return { ok: false, message: 'The answer has no <alipay> element.' };
  const doc = root as Record<string, unknown>;
  const response = (doc.response as { alipay?: unknown } | undefined)?.alipay;
  const fields: Array<{ name: string; value: string }> = [];
  if (typeof response === 'object' && response !== null) {
    for (const [name, value] of Object.entries(response)) {
      const shown = text(value);
      if (shown !== null && name !== '#text') fields.push({ name, value: shown });
    }
  }
  return { ok: true, isSuccess: text(doc.is_success) ?? '', error: text(doc.error), fields, sign: text(doc.sign), signType: text(doc.sign_type) };
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
