import { type Charset } from './charset.ts';
import { type Decision, decide } from './rules/decide.ts';
import type { Fault, Rule } from './rules/types.ts';
import { type DecodedParams, FormError, type RawPair, decodePairs, findCharset } from './form.ts';
import { getService } from './services/index.ts';
import { failureFields } from './services/common.ts';
import type { ServiceDefinition, TradeRef } from './services/service.ts';
import { verifyRequestSign } from './sign.ts';
import { type Fields, type Partner, type Refund, type Trade, isServiceName } from './types.ts';
import { XML_CONTENT_TYPE, renderGatewayError, renderSuccess, toGbkBytes } from './xml.ts';

// The gateway as pure functions, in the order a request meets them: read (bytes → parameters), check (partner, sign,
// service, parameters), answer (the loaded rule and trade → what to store and the bytes to send). The shell
// (app/gateway-service.ts) does only the I/O around them; the rule preview and the benchmark call the same ones.

/** Gateway-level error codes (`is_success=F`). */
export type GatewayError =
  | 'ILLEGAL_ARGUMENT'
  | 'ILLEGAL_CHARSET'
  | 'ILLEGAL_PARTNER'
  | 'ILLEGAL_SIGN_TYPE'
  | 'ILLEGAL_SIGN'
  | 'ILLEGAL_SERVICE'
  | 'SYSTEM_ERROR';

export interface DecodedRequest extends DecodedParams {
  charset: Charset;
}

export type ReadResult = { ok: true; request: DecodedRequest } | { ok: false; error: GatewayError; message: string };

/** Bytes → parameters: URL and body merged, decoded in the request charset; unreadable input is a gateway error. */
export function readRequest(query: RawPair[], body: RawPair[]): ReadResult {
  try {
    const { charset } = findCharset(query, body);
    const decoded = decodePairs(query.length === 0 ? body : body.length === 0 ? query : [...query, ...body], charset);
    return { ok: true, request: { params: decoded.params, order: decoded.order, charset } };
  } catch (error) {
    if (error instanceof FormError) return { ok: false, error: error.code, message: error.message };
    throw error;
  }
}

export type Verdict =
  | { kind: 'reject'; error: GatewayError; message: string; partner: Partner | null; signedString: string | null }
  | { kind: 'invalid'; service: ServiceDefinition; partner: Partner; signedString: string; request: DecodedRequest; fields: Fields; message: string }
  | { kind: 'accept'; service: ServiceDefinition; partner: Partner; signedString: string; request: DecodedRequest; ref: TradeRef };

/**
 * The gateway's checks, in the real gateway's order: partner known → sign_type → signature → service known →
 * required parameters → values. Only an accepted request reaches rules and the service.
 */
export function checkRequest(request: DecodedRequest, findPartner: (id: string) => Partner | undefined): Verdict {
  const { params, charset } = request;
  const partner = params.partner ? findPartner(params.partner) : undefined;
  if (!partner) {
    return { kind: 'reject', error: 'ILLEGAL_PARTNER', message: `unknown partner ${params.partner ?? '(none)'}`, partner: null, signedString: null };
  }
  const reject = (error: GatewayError, message: string, signedString: string | null = null): Verdict => ({
    kind: 'reject',
    error,
    message,
    partner,
    signedString,
  });
  if (params.sign_type !== 'MD5') return reject('ILLEGAL_SIGN_TYPE', `sign_type must be MD5, got ${params.sign_type ?? '(none)'}`);
  if (!params.sign) return reject('ILLEGAL_SIGN', 'sign is missing');
  const verified = verifyRequestSign(params, partner.key, charset, params.sign);
  if (!verified.ok) return reject('ILLEGAL_SIGN', 'signature does not match', verified.signedString);
  const signedString = verified.signedString;
  const serviceName = params.service ?? '';
  if (!isServiceName(serviceName)) return reject('ILLEGAL_SERVICE', `unknown service ${serviceName || '(none)'}`, signedString);
  const service = getService(serviceName);
  const missing = service.missingParam(params);
  if (missing) return reject('ILLEGAL_ARGUMENT', `missing parameter ${missing}`, signedString);
  const invalid = service.invalidParam(params);
  if (invalid) {
    return {
      kind: 'invalid',
      service,
      partner,
      signedString,
      request,
      message: invalid,
      fields: failureFields(service, params, 'INVALID_PARAMETER', invalid),
    };
  }
  return { kind: 'accept', service, partner, signedString, request, ref: service.ref(params) };
}

export type Accepted = Extract<Verdict, { kind: 'accept' }>;
type Invalid = Extract<Verdict, { kind: 'invalid' }>;

/** What one request is answered: the HTTP status and bytes, and what the request log records of it. */
export interface Answer {
  status: number;
  contentType: string;
  body: Buffer;
  /** the answer as text (the log, the pages) */
  xml: string;
  /** wait this long before answering (a rule's delayMs) */
  delayMs: number;
  /** drop the connection instead of answering (fault `reset`) */
  reset: boolean;
  isSuccess: boolean;
  resultCode: string | null;
  /** the gateway error, or the business failure's error / detail_error_code */
  error: string | null;
}

/** `is_success=F`: a request that did not get past the gateway's checks (or could not be served). */
export function errorAnswer(error: string, status = 200): Answer {
  const xml = renderGatewayError(error);
  return { status, contentType: XML_CONTENT_TYPE, body: toGbkBytes(xml), xml, delayMs: 0, reset: false, isSuccess: false, resultCode: null, error };
}

/** the signed `is_success=T` answer with these fields: the request echoed, signed over its charset */
function signedAnswer(verdict: Accepted | Invalid, fields: Fields, fault: Fault | null): Answer {
  const { params, order, charset } = verdict.request;
  const echo = order.map((name) => [name, params[name]!] as const);
  const rendered = renderSuccess({ echo, fields, key: verdict.partner.key, charset, wrongSign: fault === 'bad_sign' });
  return {
    status: 200,
    contentType: XML_CONTENT_TYPE,
    body: toGbkBytes(rendered.xml),
    xml: rendered.xml,
    delayMs: 0,
    reset: false,
    isSuccess: true,
    resultCode: rendered.fields.result_code ?? null,
    error: rendered.fields.error ?? rendered.fields.detail_error_code ?? null,
  };
}

/** A request whose values are wrong: the signed business failure INVALID_PARAMETER, before any rule. */
export function answerInvalid(verdict: Invalid): Answer {
  return signedAnswer(verdict, verdict.fields, null);
}

/** What the shell has loaded for an accepted request (under the trade's lock when it writes). */
export interface AnswerInput {
  accepted: Accepted;
  /** the rule that decides, or null for the service's own behaviour */
  rule: Rule | null;
  /** the trade the request refers to, as loaded (and advanced to `now`) */
  trade: Trade | null;
  /** refund: the refund already stored under this partner_refund_id */
  existingRefund: Refund | null;
  /** the partner's clock */
  now: Date;
  /** a fresh alipay_trans_id, used if a pay creates a trade */
  freshAlipayTransId: string;
}

/**
 * The gateway's answer to an accepted request, as a pure function of what was loaded: the decision (what to store),
 * and the answer's status, bytes and log fields. Faults break the answer here (`bad_sign` through the renderer).
 */
export function answerAccepted(input: AnswerInput): {
  decision: Decision;
  answer: Answer;
  /** the XML the service answered, before a fault cut or replaced it (a bad_sign is in it: that is how it is sent) */
  intendedXml: string;
} {
  const { accepted, rule } = input;
  const decision = decide(rule, accepted.service, {
    params: accepted.request.params,
    partner: accepted.partner.id,
    now: input.now,
    trade: input.trade,
    existingRefund: input.existingRefund,
    freshAlipayTransId: input.freshAlipayTransId,
  });
  const answer = decision.gatewayError ? errorAnswer(decision.gatewayError) : signedAnswer(accepted, decision.fields, decision.fault);
  return { decision, answer: breakAnswer({ ...answer, delayMs: decision.delayMs }, decision.fault), intendedXml: answer.xml };
}

const HTTP_500_PAGE =
  '<html><head><title>500 Internal Server Error</title></head><body><h1>500 Internal Server Error</h1></body></html>';

/** Faults a rule injects on purpose: the only answers that are not a well-formed XML 200. */
function breakAnswer(answer: Answer, fault: Fault | null): Answer {
  switch (fault) {
    case 'reset':
      return { ...answer, reset: true };
    case 'empty':
      return { ...answer, body: Buffer.alloc(0), xml: '' };
    case 'malformed_xml': {
      // cut inside <response>: the prolog and the start look right, the document never closes
      const xml = answer.xml.slice(0, Math.max(answer.xml.indexOf('<response>') + 20, Math.floor(answer.xml.length / 2)));
      return { ...answer, body: toGbkBytes(xml), xml };
    }
    case 'http_500':
      return { ...answer, status: 500, contentType: 'text/html; charset=UTF-8', body: Buffer.from(HTTP_500_PAGE), xml: HTTP_500_PAGE };
    default:
      return answer;
  }
}
