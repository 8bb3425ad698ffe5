import { type Charset, encodeXmlGbk } from './charset.ts';
import { md5, signParams } from './sign.ts';
import type { Fields } from './types.ts';

// Characters XML 1.0 cannot carry, not even as references. They are dropped before signing, so that the
// signature is over exactly what the client will read.
const XML_INVALID = /[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function xmlSafe(text: string): string {
  return plainText(text, false) ? text : text.replace(XML_INVALID, '');
}

/**
 * True when `text` has nothing to drop (and, with `markup`, nothing to escape): tab, LF and printable characters
 * below the surrogates. One pass of charCodeAt, where the two regexes ran over every value of every answer.
 */
function plainText(text: string, markup: boolean): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20) {
      if (c === 0x09 || c === 0x0a || (c === 0x0d && !markup)) continue;
      return false;
    }
    if (c >= 0xd800 || (markup && (c === 0x26 || c === 0x3c || c === 0x3e || c === 0x22))) return false;
  }
  return true;
}

// The envelope is written by hand: xmlbuilder2 leaves `&amp;` in a value unescaped (it takes it for an entity), so a
// value `&amp;` would reach the client as `&` and its signature would fail; and it costs ~100 µs an answer.
// A CR is written as a reference: an XML parser turns a literal CR (and CR LF) into LF, and the sign is over the CR.
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\r': '&#13;' };
const NEEDS_ESCAPE = /[&<>"\r]/;

/** Escapes text for an element or a double-quoted attribute; `]]>` cannot survive since `>` is escaped. */
export function escapeXml(text: string): string {
  if (plainText(text, true)) return text;
  const safe = xmlSafe(text);
  return NEEDS_ESCAPE.test(safe) ? safe.replace(/[&<>"\r]/g, (ch) => ESCAPES[ch]!) : safe;
}

const PROLOG = '<?xml version="1.0" encoding="GBK"?>';

/** `<alipay><is_success>F</is_success><error>CODE</error></alipay>`: no echo, no sign. */
export function renderGatewayError(error: string): string {
  return `${PROLOG}<alipay><is_success>F</is_success><error>${escapeXml(error)}</error></alipay>`;
}

export interface SuccessEnvelope {
  /** every received parameter, sign and sign_type included, in arrival order */
  echo: ReadonlyArray<readonly [string, string]>;
  /** the `<response><alipay>` fields; empty values are left out */
  fields: Fields;
  /** the partner's MD5 key */
  key: string;
  /**
   * the request's `_input_charset`: the sign is over the fields' bytes in it, as clients verify (design.md). The XML
   * stays GBK, with `&#x…;` for what GBK cannot carry, so a UTF-8 client reads the exact text its sign is over; in
   * GBK such a character counts as `?`, which is what a client re-encoding the text it read in GBK gets.
   */
  charset: Charset;
  /** send a well-formed signature of the wrong text, as a key mix-up would give (fault `bad_sign`) */
  wrongSign?: boolean;
}

export interface RenderedAnswer {
  xml: string;
  /** the fields as sent and signed: sorted, non-empty, XML-safe */
  fields: Fields;
  sign: string;
}

/** the names an answer field may have; rules that add fields are held to it too (core/rules/schema.ts) */
export const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;

/** Sorted, non-empty, XML-safe: the fields exactly as the client will see and verify them. */
export function normalizeFields(fields: Fields): Fields {
  const out: Fields = {};
  for (const name of Object.keys(fields).sort()) {
    if (!FIELD_NAME.test(name)) continue;
    const value = xmlSafe(fields[name] ?? '');
    if (value !== '') out[name] = value;
  }
  return out;
}

/** `is_success=T`, the request echoed, the fields sorted, signed over the fields' bytes in the request's charset. */
export function renderSuccess(envelope: SuccessEnvelope): RenderedAnswer {
  const fields = normalizeFields(envelope.fields);
  const right = signParams(fields, envelope.key, envelope.charset);
  const sign = envelope.wrongSign ? md5(Buffer.from(right)) : right;
  let xml = `${PROLOG}<alipay><is_success>T</is_success><request>`;
  for (const [name, value] of envelope.echo) xml += `<param name="${escapeXml(name)}">${escapeXml(value)}</param>`;
  xml += '</request><response><alipay>';
  // names passed FIELD_NAME, values are XML-safe already
  for (const name of Object.keys(fields)) xml += `<${name}>${escapeXml(fields[name]!)}</${name}>`;
  xml += `</alipay></response><sign>${escapeXml(sign)}</sign><sign_type>MD5</sign_type></alipay>`;
  return { xml, fields, sign };
}

export const XML_CONTENT_TYPE = 'text/xml; charset=GBK';

export function toGbkBytes(xml: string): Buffer {
  return encodeXmlGbk(xml);
}
