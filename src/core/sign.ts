import { digestHex } from './digest.ts';
import { type Charset, encode } from './charset.ts';

export interface SignOptions {
  /** keep parameters whose value is empty (some real clients sign them); the official rule drops them */
  keepEmpty?: boolean;
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The string MAPI signs: every parameter but `sign` and `sign_type` (compared case-insensitively, as the official
 * demo does), empty values dropped unless asked, sorted by name, `name=value` joined with `&`, raw values.
 */
export function signingString(params: Readonly<Record<string, string>>, options: SignOptions = {}): string {
  const names = Object.keys(params).filter((name) => {
    const lower = name.toLowerCase();
    if (lower === 'sign' || lower === 'sign_type') return false;
    return options.keepEmpty === true || params[name] !== '';
  });
  names.sort(byName);
  return names.map((name) => `${name}=${params[name]}`).join('&');
}

/** md5(string + key) over the bytes of the string in `charset`, lower-case hex. */
export function md5Hex(text: string, key: string, charset: Charset): string {
  return md5(encode(text + key, charset));
}

/** lower-case hex MD5 of bytes */
export function md5(bytes: Buffer): string {
  return digestHex('md5', bytes);
}

export function signParams(
  params: Readonly<Record<string, string>>,
  key: string,
  charset: Charset,
  options: SignOptions = {},
): string {
  return md5Hex(signingString(params, options), key, charset);
}

export interface VerifyResult {
  ok: boolean;
  /** the string the accepted signature was made over, or the official form when none matched */
  signedString: string;
  /** which form matched */
  form: 'official' | 'empty-kept' | null;
}

/** Accepts the official form first and, failing that, the form with empty values kept. */
export function verifyRequestSign(
  params: Readonly<Record<string, string>>,
  key: string,
  charset: Charset,
  sign: string,
): VerifyResult {
  const official = signingString(params);
  if (md5Hex(official, key, charset) === sign) return { ok: true, signedString: official, form: 'official' };
  const withEmpty = signingString(params, { keepEmpty: true });
  if (withEmpty !== official && md5Hex(withEmpty, key, charset) === sign) {
    return { ok: true, signedString: withEmpty, form: 'empty-kept' };
  }
  return { ok: false, signedString: official, form: null };
}
