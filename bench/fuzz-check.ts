// What every answer of `npm run fuzz` must be, checked as a client reads it: GBK bytes, well-formed XML (line ends
// normalised as a conforming XML parser does), and where signed, a sign that verifies over the text read back.
import { type Agent, request as httpRequest } from 'node:http';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import iconv from 'iconv-lite';
import { type ClientCharset, type FuzzRequest, md5Sign } from './fuzz-cases.ts';

export interface FuzzResponse {
  status: number;
  contentType: string | undefined;
  body: Buffer;
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: true,
  htmlEntities: true,
  isArray: (name, path) => name === 'param' && path === 'alipay.request.param',
});

const PROLOG = /^<\?xml version="1\.0" encoding="GBK"\?><alipay><is_success>[TF]<\/is_success>/;

function charsetOf(declared: string | undefined): ClientCharset {
  const lower = (declared ?? '').trim().toLowerCase();
  return lower === 'utf-8' || lower === 'utf8' ? 'utf-8' : 'gbk';
}

/** The problems with one answer; none when it is what a client can rely on. */
export function checkAnswer(req: FuzzRequest, res: FuzzResponse): string[] {
  const problems: string[] = [];
  if (res.status !== 200) problems.push(`HTTP ${res.status}`);
  if (res.contentType !== 'text/xml; charset=GBK') problems.push(`Content-Type ${JSON.stringify(res.contentType)}`);
  const text = iconv.decode(res.body, 'gbk');
  if (!iconv.encode(text, 'gbk').equals(res.body)) problems.push('the body is not valid GBK');
  if (!PROLOG.test(text)) problems.push('no GBK prolog and <alipay><is_success>');
  const valid = XMLValidator.validate(text);
  if (valid !== true) return [...problems, `not well-formed XML: ${valid.err.msg} (line ${valid.err.line})`];
  // XML 1.0 §2.11: a parser hands CR LF and lone CR on as LF; an answer must escape a CR it means to keep
  const doc = parser.parse(text.replace(/\r\n?/g, '\n')) as { alipay?: Record<string, unknown> };
  const root = doc.alipay;
  if (!root) return [...problems, 'no <alipay> root'];
  const error = typeof root.error === 'string' ? root.error : undefined;
  if (root.is_success === 'F') {
    if (!error) problems.push('is_success=F without <error>');
    if (root.sign !== undefined) problems.push('a gateway error carries a sign');
    if (error === 'SYSTEM_ERROR') problems.push('SYSTEM_ERROR (nothing in the fuzz should fail inside the mock)');
    if (req.expectError && error !== req.expectError) problems.push(`expected ${req.expectError}, got ${error}`);
    if (req.signedIn && error === 'ILLEGAL_SIGN') problems.push('a correctly signed request was refused with ILLEGAL_SIGN');
    return problems;
  }
  if (req.expectError) problems.push(`expected the gateway error ${req.expectError}, got is_success=T`);
  const sign = root.sign;
  if (typeof sign !== 'string' || root.sign_type !== 'MD5') return [...problems, 'is_success=T without <sign> and <sign_type>MD5'];
  const response = (root.response as { alipay?: Record<string, unknown> } | undefined)?.alipay;
  if (!response || typeof response !== 'object') return [...problems, 'is_success=T without <response><alipay>'];
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(response)) {
    if (typeof value !== 'string') problems.push(`field ${name} is not text`);
    else fields[name] = value;
  }
  const echoed = ((root.request as { param?: Array<Record<string, string>> } | undefined)?.param ?? []).find((p) => p['@_name'] === '_input_charset');
  const charset = req.signedIn ?? charsetOf(echoed?.['#text']);
  if (md5Sign(fields, charset) !== sign) problems.push(`the sign does not verify over the fields read back (${charset})`);
  if (fields.result_code === undefined) problems.push('no result_code');
  return problems;
}

/** Sends the request's exact bytes (no client library re-encodes them) to 127.0.0.1:port. */
export function send(agent: Agent, port: number, req: FuzzRequest): Promise<FuzzResponse> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      { agent, host: '127.0.0.1', port, method: req.method, path: req.path, headers: { ...req.headers, 'Content-Length': String(req.body.length) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(req.body);
  });
}
