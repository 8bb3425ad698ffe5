import { randomUUID } from 'node:crypto';
import { FormError, type RawPair, parseUrlEncoded } from '../core/form.ts';
import { checkRequest, readRequest } from '../core/gateway.ts';
import type { Fault } from '../core/rules/types.ts';
import type { Fields } from '../core/types.ts';
import { XML_CONTENT_TYPE, renderGatewayError, renderSuccess, toGbkBytes } from '../core/xml.ts';
import type { NotificationStore } from '../store/notification-store.ts';
import type { RequestLogEntry } from '../store/records.ts';
import type { TradeStore } from '../store/trade-store.ts';
import type { Clock } from './clock.ts';
import { enqueueNotices } from './notifier.ts';
import type { PartnerCache } from './partner-cache.ts';
import type { RequestLogWriter } from './request-log-writer.ts';
import type { RuleService } from './rule-service.ts';
import { runRequest } from './run-request.ts';

export interface GatewayRequest {
  method: string;
  path: string;
  /** the query string, without `?`, as raw bytes */
  rawQuery: Buffer;
  /** the raw body */
  body: Buffer;
  /** pairs already parsed from a multipart body ('malformed' if it could not be); when absent the body is read as urlencoded */
  bodyPairs?: RawPair[] | 'malformed';
}

export interface GatewayAnswer {
  status: number;
  contentType: string;
  body: Buffer;
  /** the answer as text, for the log */
  xml: string;
  /** wait this long before answering (rules' delayMs) */
  delayMs: number;
  /** drop the connection instead of answering (fault `reset`) */
  reset: boolean;
  /** the rule that decided the answer, or null when the service's own behaviour did */
  ruleId: string | null;
  /** the id of the request-log entry written for this request */
  requestId: string;
}

export interface GatewayDeps {
  trades: TradeStore;
  notifications: NotificationStore;
  partners: PartnerCache;
  clock: Clock;
  requestLog: RequestLogWriter;
  rules: RuleService;
  onError?: (error: unknown) => void;
}

interface Outcome {
  xml: string;
  isSuccess: boolean;
  resultCode: string | null;
  error: string | null;
  status?: number;
  fault?: Fault | null;
  delayMs?: number;
}

/** The shell around the pure core for one gateway request: read, check, load the trade, execute, write, answer, log. */
export class GatewayService {
  constructor(private readonly deps: GatewayDeps) {}

  async handle(request: GatewayRequest): Promise<GatewayAnswer> {
    const started = performance.now();
    const entry = newLogEntry(request.method, request.path, rawText(request));
    let outcome: Outcome;
    try {
      outcome = await this.process(request, entry);
    } catch (error) {
      (this.deps.onError ?? console.error)(error);
      outcome = gatewayError('SYSTEM_ERROR');
    }
    const answer = breakAnswer(
      {
        status: outcome.status ?? 200,
        contentType: XML_CONTENT_TYPE,
        body: toGbkBytes(outcome.xml),
        xml: outcome.xml,
        delayMs: outcome.delayMs ?? 0,
        reset: false,
        ruleId: entry.ruleId,
        requestId: entry.id,
      },
      outcome.fault ?? null,
    );
    entry.isSuccess = outcome.isSuccess;
    entry.resultCode = outcome.resultCode;
    entry.error = outcome.error;
    entry.response = answer.reset ? '(connection dropped: fault reset)' : answer.xml;
    entry.latencyMs = performance.now() - started + answer.delayMs;
    this.deps.requestLog.append(entry);
    return answer;
  }

  /** A body over the limit: the XML gateway error with HTTP 413, logged like any other request. */
  tooLarge(request: Omit<GatewayRequest, 'body'>): GatewayAnswer {
    const outcome = gatewayError('ILLEGAL_ARGUMENT');
    const entry = newLogEntry(request.method, request.path, `${request.rawQuery.toString('latin1')}\n(body over 1 MiB, not read)`);
    entry.error = outcome.error;
    entry.response = outcome.xml;
    this.deps.requestLog.append(entry);
    return { status: 413, contentType: XML_CONTENT_TYPE, body: toGbkBytes(outcome.xml), xml: outcome.xml, delayMs: 0, reset: false, ruleId: null, requestId: entry.id };
  }

  private async process(request: GatewayRequest, entry: RequestLogEntry): Promise<Outcome> {
    let queryPairs: RawPair[];
    let bodyPairs: RawPair[];
    if (request.bodyPairs === 'malformed') return gatewayError('ILLEGAL_ARGUMENT');
    try {
      queryPairs = parseUrlEncoded(request.rawQuery);
      bodyPairs = request.bodyPairs ?? parseUrlEncoded(request.body);
    } catch (error) {
      if (error instanceof FormError) return gatewayError(error.code);
      throw error;
    }
    const read = readRequest(queryPairs, bodyPairs);
    if (!read.ok) return gatewayError(read.error);
    const { params, order, charset } = read.request;
    entry.charset = charset;
    entry.params = { ...params };
    entry.service = params.service ?? null;
    entry.partner = params.partner ?? null;
    entry.partnerAt = this.deps.clock.now(entry.partner);
    entry.tradeKey = params.partner_trans_id ?? params.out_trade_no ?? null;

    const verdict = checkRequest(read.request, (id) => this.deps.partners.get(id));
    entry.signedString = verdict.signedString;
    if (verdict.kind === 'reject') return gatewayError(verdict.error);

    const echo = order.map((name) => [name, params[name]!] as const);
    const answer = (fields: Fields, fault: Fault | null = null): Outcome => {
      const rendered = renderSuccess({ echo, fields, key: verdict.partner.key, charset, wrongSign: fault === 'bad_sign' });
      return {
        xml: rendered.xml,
        isSuccess: true,
        resultCode: rendered.fields.result_code ?? null,
        error: rendered.fields.error ?? rendered.fields.detail_error_code ?? null,
        fault,
      };
    };
    if (verdict.kind === 'invalid') return answer(verdict.fields);
    const now = this.deps.clock.now(verdict.partner.id);
    const { decision, rule, notices } = await runRequest(this.deps, verdict, params, now);
    if (notices.length > 0) {
      // after the commit, and never at the cost of the answer: the change stands whether or not it is notified
      await enqueueNotices(this.deps.notifications, notices, { key: verdict.partner.key, now, params, charset, partnerNotifyUrl: verdict.partner.notifyUrl }).catch(
        this.deps.onError ?? console.error,
      );
    }
    if (rule) {
      entry.ruleId = rule.id;
      this.deps.rules.recordHit(rule, new Date());
    }
    const outcome = decision.gatewayError ? gatewayError(decision.gatewayError) : answer(decision.fields, decision.fault);
    return { ...outcome, fault: decision.fault, delayMs: decision.delayMs };
  }

}

/** A log entry for a request, before anything about it is known. */
function newLogEntry(method: string, path: string, rawRequest: string): RequestLogEntry {
  const at = new Date();
  return {
    id: randomUUID(),
    at,
    partnerAt: at,
    method,
    path,
    rawRequest,
    charset: null,
    service: null,
    partner: null,
    params: {},
    isSuccess: false,
    resultCode: null,
    error: null,
    ruleId: null,
    response: null,
    signedString: null,
    latencyMs: 0,
    tradeKey: null,
  };
}

const HTTP_500_PAGE =
  '<html><head><title>500 Internal Server Error</title></head><body><h1>500 Internal Server Error</h1></body></html>';

/** Faults a rule injects on purpose: the only answers that are not a well-formed XML 200. */
function breakAnswer(answer: GatewayAnswer, fault: Fault | null): GatewayAnswer {
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

function gatewayError(error: string): Outcome {
  return { xml: renderGatewayError(error), isSuccess: false, resultCode: null, error };
}

function rawText(request: GatewayRequest): string {
  const query = request.rawQuery.length > 0 ? `?${request.rawQuery.toString('latin1')}` : '';
  const body = request.body.length > 0 ? `\n\n${request.body.toString('latin1')}` : '';
  return `${request.method} ${request.path}${query}${body}`;
}
