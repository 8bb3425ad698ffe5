// Reading a gateway answer as a client does: GBK bytes → XML → is_success, the echoed request, the signed fields.
import iconv from 'iconv-lite';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { MapiResponseError } from './errors.ts';

export interface ParsedAnswer {
  /** `is_success` was `T` */
  isSuccess: boolean;
  /** the gateway error (`is_success=F`), or else the business error (`error`, or `detail_error_code` for cancel) */
  error?: string;
  /** `result_code` of `<response><alipay>` */
  resultCode?: string;
  /** the fields of `<response><alipay>`, which the sign covers */
  fields: Record<string, string>;
  /** the parameters the gateway echoed in `<request>` */
  request: Record<string, string>;
  sign: string | null;
  signType: string | null;
  /** the XML as text */
  xml: string;
}

// fast-xml-parser 5 decodes entities in one pass (`&amp;amp;` stays `&amp;`); htmlEntities adds the numeric
// references (`&#x1f600;`) that the gateway writes for characters GBK cannot encode.
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  parseAttributeValue: false,
  processEntities: true,
  htmlEntities: true,
  trimValues: false,
  isArray: (name, path) => name === 'param' && path === 'alipay.request.param',
});

/** the declared encoding of the prolog; MAPI answers are GBK, so that is the default */
function decode(bytes: Uint8Array): string {
  const head = Buffer.from(bytes.subarray(0, 100)).toString('latin1');
  const declared = /encoding=["']([A-Za-z0-9_-]+)["']/.exec(head)?.[1] ?? 'GBK';
  return iconv.encodingExists(declared) ? iconv.decode(Buffer.from(bytes), declared) : iconv.decode(Buffer.from(bytes), 'gbk');
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && typeof (value as { '#text'?: unknown })['#text'] === 'string') {
    return (value as { '#text': string })['#text'];
  }
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses an answer (the GBK bytes as received, or text already decoded). Not XML → MapiResponseError. */
export function parseAnswer(answer: string | Uint8Array, status: number | null = null): ParsedAnswer {
  const xml = typeof answer === 'string' ? answer : decode(answer);
  const fail = (why: string) => new MapiResponseError(`the answer is not a MAPI answer: ${why}`, status, xml);
  if (xml.trim() === '') throw fail('it is empty');
  if (XMLValidator.validate(xml) !== true) throw fail('it is not well-formed XML');
  const root = (parser.parse(xml) as { alipay?: unknown }).alipay;
  if (!isObject(root)) throw fail('it has no <alipay> root');
  const isSuccess = text(root.is_success);
  if (isSuccess !== 'T' && isSuccess !== 'F') throw fail('<is_success> is neither T nor F');

  const fields: Record<string, string> = {};
  const response = isObject(root.response) && isObject(root.response.alipay) ? root.response.alipay : {};
  for (const [name, value] of Object.entries(response)) {
    const field = text(value);
    if (!name.startsWith('#') && !name.startsWith('@') && field !== undefined) fields[name] = field;
  }
  const request: Record<string, string> = {};
  const params = isObject(root.request) && Array.isArray(root.request.param) ? root.request.param : [];
  for (const param of params as unknown[]) {
    const name = isObject(param) ? param['@name'] : undefined;
    if (typeof name === 'string') request[name] = text(param) ?? '';
  }
  const error = isSuccess === 'F' ? text(root.error) : (fields.error ?? fields.detail_error_code);
  return {
    isSuccess: isSuccess === 'T',
    ...(error === undefined ? {} : { error }),
    ...(fields.result_code === undefined ? {} : { resultCode: fields.result_code }),
    fields,
    request,
    sign: text(root.sign) ?? null,
    signType: text(root.sign_type) ?? null,
    xml,
  };
}
