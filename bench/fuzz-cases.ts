// The requests `npm run fuzz` sends: seeded, of every shape a POS (or an attacker) could send. Signing is written out
// here, independently of the mock's code, as a client library would do it.
import { createHash } from 'node:crypto';
import iconv from 'iconv-lite';

export const PARTNER = '2088000000000001';
export const KEY = '0123456789abcdefghijklmnopqrstuv';

export type Rand = () => number;

/** mulberry32: the same seed gives the same run */
export function prng(seed: number): Rand {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let x = Math.imul(s ^ (s >>> 15), 1 | s);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

export type ClientCharset = 'utf-8' | 'gbk';

export interface FuzzRequest {
  shape: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer;
  /** correctly signed, in this charset: the answer must not be ILLEGAL_SIGN, and its sign must verify in it */
  signedIn?: ClientCharset;
  /** the gateway error the answer must be */
  expectError?: string;
}

export function encodeText(text: string, charset: ClientCharset): Buffer {
  return charset === 'utf-8' ? Buffer.from(text, 'utf8') : iconv.encode(text, 'gbk');
}

export function md5Sign(params: Record<string, string>, charset: ClientCharset): string {
  const text = Object.keys(params)
    .filter((name) => name !== 'sign' && name !== 'sign_type' && params[name] !== '')
    .sort()
    .map((name) => `${name}=${params[name]}`)
    .join('&');
  return createHash('md5').update(encodeText(text + KEY, charset)).digest('hex');
}

function percent(bytes: Buffer): string {
  let out = '';
  for (const byte of bytes) {
    const ch = String.fromCharCode(byte);
    out += /[A-Za-z0-9_.~-]/.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export function form(pairs: Array<[string, string]>, charset: ClientCharset): string {
  return pairs.map(([name, value]) => `${percent(encodeText(name, charset))}=${percent(encodeText(value, charset))}`).join('&');
}

const gbkSafe = (text: string) => iconv.decode(iconv.encode(text, 'gbk'), 'gbk') === text;

// (NUL is left to the unsigned shapes: a value holding one is ILLEGAL_ARGUMENT before any sign check, by design)
const HOSTILE = ['😀', '<&]]>', `"'<b>&amp;&#65;&lt;`, '咖啡', '中文咖啡😀', 'T'.repeat(3000), '😀'.repeat(800),
  ' spaced ', '%zz', 'a&b=c+d', '\t\r\n', 'line\rfeed', '\u2028\u00a0', '\ufffd', ']]>]]>', '<!--x-->', '<![CDATA[x]]>', '\u00e9\u00df'];
const PLAIN = ['Coffee', 'T-1', 'abc', '1', 'x'.repeat(40)];

export const SERVICES = ['alipay.acquire.overseas.spot.pay', 'alipay.acquire.overseas.query', 'alipay.acquire.overseas.spot.refund', 'alipay.acquire.cancel'];

/** The generator: a stream of requests whose later pays, refunds and cancels refer to earlier trades. */
export class FuzzCases {
  private readonly paid: string[] = [];

  constructor(private readonly rand: Rand) {}

  private pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.rand() * list.length)]!;
  }

  private chance(p: number): boolean {
    return this.rand() < p;
  }

  private value(charset: ClientCharset): string {
    const list = this.chance(0.5) ? HOSTILE : PLAIN;
    const text = this.pick(list);
    return charset === 'gbk' && !gbkSafe(text) ? text.replace(/[^\x00-\x7f\u4e00-\u9fff]/gu, '?') : text;
  }

  private tradeRef(charset: ClientCharset): string {
    return this.paid.length > 0 && this.chance(0.7) ? this.pick(this.paid) : this.value(charset);
  }

  /** A valid request of a random service, with hostile values where the service takes free text or ids. */
  private params(charset: ClientCharset, index: number): Record<string, string> {
    const service = this.pick(SERVICES);
    const common = { service, partner: PARTNER, _input_charset: charset === 'utf-8' ? this.pick(['utf-8', 'UTF-8']) : this.pick(['GBK', 'gbk', 'GB2312']) };
    const amount = this.pick(['0.01', '1.00', '10.00', '12.34', '100']);
    if (service === SERVICES[0]) {
      const id = this.chance(0.2) ? `${this.value(charset)}-${index}` : `F${index}`;
      if (!this.paid.includes(id) && this.paid.length < 5000) this.paid.push(id);
      return { ...common, alipay_seller_id: PARTNER, partner_trans_id: id, trans_amount: amount, currency: this.pick(['USD', 'HKD', 'JPY']),
        buyer_identity_code: '281234567890123456', identity_code_type: 'barcode', trans_name: this.value(charset), quantity: '1',
        trans_create_time: '20240101120000', biz_product: 'OVERSEAS_MBARCODE_PAY', memo: this.value(charset) };
    }
    if (service === SERVICES[1]) return { ...common, partner_trans_id: this.tradeRef(charset) };
    if (service === SERVICES[2]) {
      return { ...common, partner_trans_id: this.tradeRef(charset), partner_refund_id: `${this.value(charset)}-${index}`, refund_amount: this.pick(['0.01', '1.00', '1000']),
        currency: 'USD', refund_reason: this.value(charset) };
    }
    return { ...common, out_trade_no: this.tradeRef(charset), timestamp: String(index) };
  }

  private signedRequest(index: number, shape: string, tamper: boolean): FuzzRequest {
    const charset: ClientCharset = this.chance(0.6) ? 'utf-8' : 'gbk';
    const params = this.params(charset, index);
    const sign = md5Sign(params, charset);
    const pairs: Array<[string, string]> = [...Object.entries(params), ['sign', sign], ['sign_type', 'MD5']];
    if (tamper) {
      // a wrong sign, or a value changed after signing (not the partner or charset, which are checked before the sign)
      const changeable = pairs.map(([name], i) => (['sign', 'sign_type', 'partner', '_input_charset'].includes(name) ? -1 : i)).filter((i) => i >= 0);
      if (this.chance(0.5)) pairs[pairs.length - 2]![1] = sign.slice(0, -1) + (sign.endsWith('0') ? '1' : '0');
      else pairs[this.pick(changeable)]![1] += 'x';
    }
    if (this.chance(0.1)) pairs.push(['_input_charset', params._input_charset!]); // the same value twice is fine
    const encoded = form(pairs, charset);
    const how = this.pick(['post', 'post', 'get', 'multipart']);
    const base = { shape, signedIn: tamper ? undefined : charset, expectError: tamper ? 'ILLEGAL_SIGN' : undefined };
    if (how === 'get') return { ...base, method: 'GET', path: `/gateway.do?${encoded}`, headers: {}, body: Buffer.alloc(0) };
    if (how === 'multipart') {
      const boundary = `----fuzz${index}`;
      const parts = pairs.map(([name, value]) => Buffer.concat([Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n`), encodeText(value, charset), Buffer.from('\r\n')]));
      return { ...base, method: 'POST', path: `/gateway.do?_input_charset=${params._input_charset}`, headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}` },
        body: Buffer.concat([...parts, Buffer.from(`--${boundary}--\r\n`)]) };
    }
    const type = this.pick(['application/x-www-form-urlencoded', `application/x-www-form-urlencoded; charset=${params._input_charset}`, `application/x-www-form-urlencoded; text/html; charset=${params._input_charset}`]);
    return { ...base, method: 'POST', path: `${this.pick(['/gateway.do', '/sandbox/gateway.do'])}?_input_charset=${params._input_charset}`, headers: { 'Content-Type': type }, body: Buffer.from(encoded, 'latin1') };
  }

  private randomBytes(max: number): Buffer {
    return Buffer.from(Array.from({ length: Math.floor(this.rand() * max) }, () => Math.floor(this.rand() * 256)));
  }

  private brokenEscapes(): string {
    const bits = ['%00', '%', '%z', '%zz', '%E4%B8', '%E4', '%%', '%0', '+', '&&', '==', 'a=%FF%FE', 'service=%u4E2D', '_input_charset=GBK', 'partner=2088000000000001', 'sign=', 'x=1&x=2'];
    return Array.from({ length: 1 + Math.floor(this.rand() * 8) }, () => this.pick(bits)).join(this.pick(['&', '', '=']));
  }

  private soup(): string {
    const names = ['service', 'partner', '_input_charset', 'sign', 'sign_type', 'partner_trans_id', 'trans_amount', 'currency', 'out_trade_no', 'trade_no', 'x', 'Sign', ''];
    const values = ['', '0', '-1', '1e5', 'abc', '1.234', 'USD', 'utf-8', 'GBK', 'latin1', 'MD5', 'RSA', '\u0000x', PARTNER, ...SERVICES, ...HOSTILE];
    const pairs: Array<[string, string]> = [];
    for (let n = Math.floor(this.rand() * 12); n > 0; n--) pairs.push([this.pick(names), this.pick(values)]);
    return form(pairs, 'utf-8');
  }

  private huge(index: number): FuzzRequest {
    const charset: ClientCharset = 'utf-8';
    const params = this.params(charset, index);
    const big = this.pick([3000, 10_000, 100_000]);
    if (this.chance(0.5)) params.memo = 'M'.repeat(big);
    else for (let i = 0; i < 1500; i++) params[`p${i}`] = String(i);
    const pairs: Array<[string, string]> = [...Object.entries(params), ['sign', md5Sign(params, charset)], ['sign_type', 'MD5']];
    const encoded = form(pairs, charset);
    if (this.chance(0.3)) return { shape: 'huge-get', method: 'GET', path: `/gateway.do?${encoded}`, headers: {}, body: Buffer.alloc(0), signedIn: charset };
    return { shape: 'huge-post', method: 'POST', path: '/gateway.do', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: Buffer.from(encoded, 'latin1'), signedIn: charset };
  }

  next(index: number): FuzzRequest {
    const roll = this.rand();
    if (roll < 0.35) return this.signedRequest(index, 'signed', false);
    if (roll < 0.47) return this.signedRequest(index, 'tampered', true);
    if (roll < 0.52) return this.huge(index);
    const method = this.pick(['POST', 'POST', 'GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']);
    const path = `/gateway.do${this.chance(0.5) ? `?${this.chance(0.5) ? this.brokenEscapes() : this.soup()}` : ''}`;
    const type = this.pick(['application/x-www-form-urlencoded', 'application/x-www-form-urlencoded; text/html; charset=GBK', 'text/plain', 'application/json',
      'multipart/form-data; boundary=zz', 'multipart/form-data', 'text/xml', '', 'garbage/;;;']);
    const headers: Record<string, string> = type ? { 'Content-Type': type } : {};
    if (roll < 0.62) return { shape: 'random-bytes', method, path, headers, body: this.randomBytes(400) };
    if (roll < 0.72) return { shape: 'broken-escapes', method, path, headers, body: Buffer.from(this.brokenEscapes(), 'latin1') };
    if (roll < 0.82) return { shape: 'soup', method, path, headers, body: Buffer.from(this.soup(), 'latin1') };
    if (roll < 0.9) {
      const b = 'zz';
      const nameless = this.chance(0.5) ? 'Content-Disposition: form-data' : 'Content-Disposition: form-data; name="service"';
      const body = `--${b}\r\n${nameless}\r\n\r\n${this.pick(SERVICES)}\r\n${this.chance(0.5) ? `--${b}--\r\n` : ''}`;
      return { shape: 'multipart', method: 'POST', path, headers: { 'Content-Type': `multipart/form-data; boundary=${b}` }, body: Buffer.from(body) };
    }
    // a signed request sent with another content type, or another method
    const signed = this.signedRequest(index, 'every-type-and-method', false);
    const changed: FuzzRequest = { ...signed, method, headers, signedIn: undefined };
    return method === 'GET' ? { ...changed, body: Buffer.alloc(0) } : changed;
  }
}
