// Simulate's form, and the request it stands for, built byte for byte as a client builds it.
import iconv from 'iconv-lite';
import type { Charset } from '../../core/charset.ts';
import { percentEncode } from '../../core/form.ts';
import { signParams, signingString } from '../../core/sign.ts';
import { SERVICE_NAMES, type ServiceName, isServiceName } from '../../core/types.ts';

export const SIM_CHARSETS = ['utf-8', 'GBK'] as const;
export type SimCharset = (typeof SIM_CHARSETS)[number];
export const SIM_METHODS = ['POST', 'GET'] as const;
export type SimMethod = (typeof SIM_METHODS)[number];
export const GATEWAY_PATH = '/gateway.do';

export interface ParamRow {
  name: string;
  value: string;
}

export interface SimForm {
  /** the sample to load; the `service` row is what is sent */
  service: ServiceName;
  /** whose key signs the request and checks the answer */
  partner: string;
  charset: SimCharset;
  method: SimMethod;
  rows: ParamRow[];
}

export interface BuiltRequest {
  method: SimMethod;
  /** the query string, without `?` */
  rawQuery: string;
  body: string;
  /** what was (or would have been) signed */
  signedString: string;
  /** the sign sent */
  sign: string;
  /** the sign the partner's key gives: differs from `sign` when one was typed */
  computedSign: string;
  signTyped: boolean;
  curl: string;
}

const SHORT_SERVICES: Readonly<Record<string, ServiceName>> = {
  pay: 'alipay.acquire.overseas.spot.pay',
  query: 'alipay.acquire.overseas.query',
  refund: 'alipay.acquire.overseas.spot.refund',
  cancel: 'alipay.acquire.cancel',
};

/** a full service name or its short form (pay, query, refund, cancel); pay otherwise */
export function pickService(value: unknown): ServiceName {
  if (typeof value !== 'string') return SERVICE_NAMES[0]!;
  if (isServiceName(value)) return value;
  return SHORT_SERVICES[value] ?? SERVICE_NAMES[0]!;
}

export function pickCharset(value: unknown): SimCharset {
  // GB2312 is sent as GBK, as the gateway reads it
  return typeof value === 'string' && ['gbk', 'gb2312'].includes(value.toLowerCase()) ? 'GBK' : 'utf-8';
}

export function pickMethod(value: unknown): SimMethod {
  return value === 'GET' ? 'GET' : 'POST';
}

function list(value: unknown): string[] {
  if (Array.isArray(value)) return value.map((item) => (typeof item === 'string' ? item : ''));
  return typeof value === 'string' ? [value] : [];
}

/** The posted form: rows are the repeated `param_name` / `param_value` fields, in order. */
export function readSimForm(body: Record<string, unknown>, knownPartner: (id: string) => boolean, fallbackPartner: string): SimForm {
  const names = list(body.param_name);
  const values = list(body.param_value);
  const rows: ParamRow[] = [];
  for (let i = 0; i < Math.max(names.length, values.length); i++) rows.push({ name: names[i] ?? '', value: values[i] ?? '' });
  const partner = typeof body.partner === 'string' && knownPartner(body.partner) ? body.partner : fallbackPartner;
  return { service: pickService(body.service), partner, charset: pickCharset(body.charset), method: pickMethod(body.method), rows };
}

function charsetOf(charset: SimCharset): Charset {
  return charset === 'GBK' ? 'gbk' : 'utf-8';
}

function bytesOf(text: string, charset: SimCharset): Buffer | null {
  if (charset === 'utf-8') return Buffer.from(text, 'utf8');
  const bytes = iconv.encode(text, 'gbk');
  return iconv.decode(bytes, 'gbk') === text ? bytes : null;
}

/** A word for a POSIX shell: single quotes, and a quote inside as '\'' */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

export type BuildResult = { ok: true; request: BuiltRequest } | { ok: false; errors: Record<string, string> };

/**
 * Signs (unless a sign was typed) and encodes the rows. `_input_charset` goes in the URL, where the docs want it
 * for a POST, unless a row sets it otherwise; `baseUrl` is what the curl command points at.
 */
export function buildRequest(form: SimForm, key: string, baseUrl: string): BuildResult {
  const errors: Record<string, string> = {};
  const rows = form.rows.filter((row, index) => {
    if (row.name !== '') return true;
    if (row.value !== '') errors[`row-${index}`] = 'Give this parameter a name, or empty its value.';
    return false;
  });
  form.rows.forEach((row, index) => {
    if (row.name.includes('\0') || row.value.includes('\0')) errors[`row-${index}`] = 'A NUL character cannot be sent.';
    else if (!bytesOf(row.name, form.charset) || !bytesOf(row.value, form.charset)) {
      errors[`row-${index}`] = `${form.charset} cannot encode a character of this parameter: choose utf-8.`;
    }
  });
  if (Object.keys(errors).length > 0) return { ok: false, errors };

  const charsetRow = rows.find((row) => row.name === '_input_charset');
  const declared = charsetRow?.value ?? form.charset;
  const rest = rows.filter((row) => row.name !== '_input_charset');
  // the first of a repeated name is what gets signed; the gateway refuses a name sent twice with two values
  const params: Record<string, string> = Object.create(null);
  params._input_charset = declared;
  for (const row of rest) if (!(row.name in params)) params[row.name] = row.value;
  const signedString = signingString(params);
  const computedSign = signParams(params, key, charsetOf(form.charset));
  const typed = rest.find((row) => row.name === 'sign' && row.value !== '');
  const sign = typed?.value ?? computedSign;
  const sent = rest.map((row) => (row.name === 'sign' ? { name: 'sign', value: sign } : row));
  if (!sent.some((row) => row.name === 'sign')) sent.push({ name: 'sign', value: sign });

  // a space as `+`, as Java's URLEncoder and PHP's urlencode write it
  const encode = (pairs: ParamRow[]) =>
    pairs.map(({ name, value }) => `${percentEncode(bytesOf(name, form.charset)!, { spaceAsPlus: true })}=${percentEncode(bytesOf(value, form.charset)!, { spaceAsPlus: true })}`).join('&');
  const charsetPair = encode([{ name: '_input_charset', value: declared }]);
  const rawQuery = form.method === 'GET' ? [charsetPair, encode(sent)].filter(Boolean).join('&') : charsetPair;
  const body = form.method === 'GET' ? '' : encode(sent);
  const url = `${baseUrl}${GATEWAY_PATH}?${rawQuery}`;
  const curl =
    form.method === 'GET'
      ? `curl ${shellQuote(url)}`
      : `curl ${shellQuote(url)} \\\n  -H ${shellQuote(`Content-Type: application/x-www-form-urlencoded; charset=${form.charset}`)} \\\n  --data-raw ${shellQuote(body)}`;
  return { ok: true, request: { method: form.method, rawQuery, body, signedString, sign, computedSign, signTyped: typed !== undefined, curl } };
}
