// The client side of MAPI, written independently of src/ where it matters (signing, parsing), as a real client would.
import { createHash } from 'node:crypto';
import iconv from 'iconv-lite';
import { XMLParser } from 'fast-xml-parser';
import type { Express } from 'express';
import request from 'supertest';
import { KEY, PARTNER } from './app.ts';

export type Params = Record<string, string>;

export function clientSign(params: Params, key = KEY, charset = 'utf-8', keepEmpty = false): string {
  const text = Object.keys(params)
    .filter((k) => k !== 'sign' && k !== 'sign_type' && (keepEmpty || params[k] !== ''))
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
  return createHash('md5').update(iconv.encode(text + key, charset)).digest('hex');
}

/** Adds partner, _input_charset, sign and sign_type. */
export function signed(params: Params, options: { charset?: string; key?: string; keepEmpty?: boolean } = {}): Params {
  const charset = options.charset ?? 'utf-8';
  const all: Params = { partner: PARTNER, _input_charset: charset, ...params };
  return { ...all, sign: clientSign(all, options.key, charset, options.keepEmpty), sign_type: 'MD5' };
}

/** x-www-form-urlencoded in the given charset. */
export function encodeForm(params: Params, charset = 'utf-8'): string {
  return Object.entries(params)
    .map(([k, v]) => `${encodeCharset(k, charset)}=${encodeCharset(v, charset)}`)
    .join('&');
}

function encodeCharset(text: string, charset: string): string {
  const bytes = iconv.encode(text, charset);
  let out = '';
  for (const b of bytes) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9_.~*-]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export interface Answer {
  status: number;
  contentType: string;
  xml: string;
  isSuccess: string;
  error?: string;
  /** `<response><alipay>` */
  fields: Record<string, string>;
  sign?: string;
  /** the response signature checked the way clients check it (sorted fields, GBK, key) */
  signValid: boolean | null;
  echo: Record<string, string>;
}

// Entities are decoded here in one pass: fast-xml-parser's own decoding turns `&amp;amp;` into `&`.
const parser = new XMLParser({
  ignoreAttributes: false,
  parseTagValue: false,
  attributeNamePrefix: '@',
  processEntities: false,
  trimValues: false,
  tagValueProcessor: (_name, value) => decodeEntities(value),
  attributeValueProcessor: (_name, value) => decodeEntities(value),
});

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|lt|gt|amp|quot|apos);/g, (_m, name: string) =>
    name.startsWith('#x') ? String.fromCodePoint(parseInt(name.slice(2), 16)) : name.startsWith('#') ? String.fromCodePoint(Number(name.slice(1))) : ENTITIES[name]!,
  );
}

export function parseAnswer(status: number, contentType: string, body: Buffer, key = KEY): Answer {
  const xml = iconv.decode(body, 'gbk');
  const doc = parser.parse(xml, true) as { alipay: Record<string, unknown> };
  const root = doc.alipay;
  const fields = ((root.response as { alipay?: Record<string, string> } | undefined)?.alipay ?? {}) as Record<string, string>;
  const echo: Record<string, string> = {};
  const params = (root.request as { param?: unknown } | undefined)?.param;
  for (const p of (Array.isArray(params) ? params : params ? [params] : []) as Array<{ '@name': string; '#text'?: string }>) {
    echo[p['@name']] = p['#text'] ?? '';
  }
  const sign = root.sign as string | undefined;
  // as a client verifies: over the fields' bytes in the charset it sent the request in
  const signValid = sign === undefined ? null : clientSign(fields, key, echo._input_charset ?? 'gbk') === sign;
  return {
    status,
    contentType,
    xml,
    isSuccess: String(root.is_success),
    error: root.error as string | undefined,
    fields,
    sign,
    signValid,
    echo,
  };
}




/** A raw request to the app's gateway; the answer parsed as a client would. */
export async function rawCall(
  app: Express,
  options: { method?: 'GET' | 'POST' | 'PUT'; path?: string; query?: string; body?: string | Buffer; contentType?: string },
): Promise<Answer> {
  const path = `${options.path ?? '/gateway.do'}${options.query ? `?${options.query}` : ''}`;
  const method = options.method ?? 'POST';
  let req = method === 'GET' ? request(app).get(path) : method === 'PUT' ? request(app).put(path) : request(app).post(path);
  if (options.contentType) req = req.set('Content-Type', options.contentType);
  if (options.body !== undefined) req = req.send(options.body);
  const res = await req.buffer(true).parse((response, done) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.on('end', () => done(null, Buffer.concat(chunks)));
  });
  return parseAnswer(res.status, String(res.headers['content-type']), res.body as Buffer);
}

/** Signs params and sends them the usual way: POST form, charset in URL and body. */
export function call(app: Express, params: Params, options: { charset?: string; method?: 'GET' | 'POST' } = {}): Promise<Answer> {
  const charset = options.charset ?? 'utf-8';
  const form = encodeForm(signed(params, { charset }), charset);
  if (options.method === 'GET') return rawCall(app, { method: 'GET', query: form });
  return rawCall(app, { query: `_input_charset=${charset}`, body: form, contentType: 'application/x-www-form-urlencoded' });
}

let counter = 0;
/** A unique partner_trans_id per call. */
export function tradeId(prefix = 'T'): string {
  counter += 1;
  return `${prefix}${Date.now()}${counter.toString().padStart(4, '0')}`;
}

export function payParams(overrides: Params = {}): Params {
  return {
    service: 'alipay.acquire.overseas.spot.pay',
    alipay_seller_id: PARTNER,
    quantity: '1',
    trans_name: 'Coffee',
    partner_trans_id: tradeId(),
    currency: 'USD',
    trans_amount: '10.00',
    buyer_identity_code: '281234567890123456',
    identity_code_type: 'barcode',
    trans_create_time: '20240101120000',
    biz_product: 'OVERSEAS_MBARCODE_PAY',
    ...overrides,
  };
}
