// Signing requests the way MAPI clients do (sorted params, empty values and sign/sign_type left out, key appended, MD5).
import iconv from 'iconv-lite';
import { type Charset, charsetLabel, encode, normalizeCharset } from '../core/charset.ts';
import { percentEncode } from '../core/form.ts';
import { md5Hex, signingString } from '../core/sign.ts';
import { MapiArgumentError } from '../core/errors.ts';

/** the `_input_charset` values the client speaks; case does not matter */
export type MapiCharset = 'utf-8' | 'UTF-8' | 'GBK' | 'gbk';
export type MapiParams = Record<string, string>;

export { signingString };

/** the charset as the core names it; anything but UTF-8, GBK or GB2312 is a MapiArgumentError */
export function toCharset(value: unknown, argument = 'charset'): Charset {
  const charset = typeof value === 'string' ? normalizeCharset(value) : null;
  if (charset === null) throw new MapiArgumentError(argument, `must be utf-8 or GBK; got ${JSON.stringify(value)}`);
  return charset;
}

export function checkParams(params: unknown, argument = 'params'): MapiParams {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw new MapiArgumentError(argument, 'must be an object of parameter name → string value');
  }
  for (const [name, value] of Object.entries(params)) {
    if (typeof value !== 'string') throw new MapiArgumentError(`${argument}.${name}`, `must be a string; got ${JSON.stringify(value)}`);
  }
  return params as MapiParams;
}

/** GBK cannot carry every character (emoji, ...): the gateway would read "?" and the sign would not be over what was meant */
function checkEncodable(params: MapiParams, charset: Charset): void {
  if (charset === 'utf-8') return;
  for (const [name, value] of Object.entries(params)) {
    const lost = [...value].find((ch) => ch.codePointAt(0)! > 0x7f && decode(encode(ch, charset), charset) !== ch);
    if (lost !== undefined) throw new MapiArgumentError(`params.${name}`, `has a character ${charsetLabel(charset)} cannot encode: ${JSON.stringify(lost)}; send utf-8`);
  }
}

function decode(bytes: Buffer, charset: Charset): string {
  return iconv.decode(bytes, charset === 'utf-8' ? 'utf8' : 'gbk');
}

function checkKey(key: unknown): string {
  if (typeof key !== 'string' || key === '') throw new MapiArgumentError('key', 'must be the partner\'s MD5 key (a non-empty string)');
  return key;
}

/** The MD5 sign of `params` with `key`, over the bytes of the string in `charset` (utf-8 unless told). */
export function signParams(params: Readonly<Record<string, string>>, key: string, charset: MapiCharset = 'utf-8'): string {
  const cs = toCharset(charset);
  checkEncodable(checkParams(params), cs);
  return md5Hex(signingString(params), checkKey(key), cs);
}

/** Percent-encodes a form (or query string) over the bytes of each name and value in `charset`. */
export function encodeForm(params: Readonly<Record<string, string>>, charset: MapiCharset | Charset = 'utf-8'): string {
  const cs = toCharset(charset);
  return Object.entries(params)
    .map(([name, value]) => `${percentEncode(encode(name, cs))}=${percentEncode(encode(value, cs))}`)
    .join('&');
}


export interface SignedRequest {
  /** the parameters as given, then `sign` and `sign_type` */
  params: MapiParams;
  /** what was signed, before the key was appended */
  signedString: string;
  sign: string;
  /** the charset the sign was made over, as written in `_input_charset` */
  charset: string;
  /** the parameters as a form body (or query string), percent-encoded in the charset */
  form: string;
  /** `gatewayUrl?form`, when a gateway URL was given */
  url: string | null;
}

/**
 * Signs `params` and answers everything needed to send them. The charset is `options.charset`, else
 * `params._input_charset`, else utf-8; the two may not disagree.
 */
export function signRequest(
  params: Readonly<Record<string, string>>,
  key: string,
  options: { charset?: MapiCharset; gatewayUrl?: string } = {},
): SignedRequest {
  const given = checkParams(params);
  const declared = given._input_charset === undefined ? undefined : toCharset(given._input_charset, 'params._input_charset');
  const charset = options.charset === undefined ? (declared ?? 'utf-8') : toCharset(options.charset);
  if (declared !== undefined && declared !== charset) {
    throw new MapiArgumentError('charset', `${options.charset} disagrees with _input_charset=${given._input_charset}`);
  }
  checkEncodable(given, charset);
  const signedString = signingString(given);
  const sign = md5Hex(signedString, checkKey(key), charset);
  const all: MapiParams = { ...given, sign, sign_type: 'MD5' };
  const form = encodeForm(all, charset);
  let url: string | null = null;
  if (options.gatewayUrl !== undefined) {
    if (!URL.canParse(options.gatewayUrl)) throw new MapiArgumentError('gatewayUrl', `must be an absolute URL; got ${JSON.stringify(options.gatewayUrl)}`);
    url = `${options.gatewayUrl}${options.gatewayUrl.includes('?') ? '&' : '?'}${form}`;
  }
  return { params: all, signedString, sign, charset: charsetLabel(charset), form, url };
}
