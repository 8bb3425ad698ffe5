import { randomInt, randomUUID } from 'node:crypto';
import { FormError, type RawPair, parseUrlEncoded } from '../core/form.ts';
import { type GatewayError, type Verdict, checkRequest, readRequest } from '../core/gateway.ts';
import { advanceTrade } from '../core/services/lifecycle.ts';
import type { ExecuteResult } from '../core/services/service.ts';
import { newAlipayTransId } from '../core/time.ts';
import type { Fields } from '../core/types.ts';
import { XML_CONTENT_TYPE, renderGatewayError, renderSuccess, toGbkBytes } from '../core/xml.ts';
import type { RequestLogEntry, Store } from '../store/store.ts';
import type { Clock } from './clock.ts';
import type { PartnerCache } from './partner-cache.ts';
import type { RequestLogWriter } from './request-log-writer.ts';

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
}

export interface GatewayDeps {
  store: Store;
  partners: PartnerCache;
  clock: Clock;
  requestLog: RequestLogWriter;
  onError?: (error: unknown) => void;
}

interface Outcome {
  xml: string;
  isSuccess: boolean;
  resultCode: string | null;
  error: string | null;
  status?: number;
}

/** Digits for a fresh alipay_trans_id: random, the one impure input of a pay. */
function randomDigits(count: number): string {
  let out = '';
  for (let i = 0; i < count; i++) out += randomInt(10).toString();
  return out;
}

const UNIQUE_VIOLATION = '23505';

/** The shell around the pure core for one gateway request: read, check, load the trade, execute, write, answer, log. */
export class GatewayService {
  constructor(private readonly deps: GatewayDeps) {}

  async handle(request: GatewayRequest): Promise<GatewayAnswer> {
    const started = performance.now();
    const entry: RequestLogEntry = {
      id: randomUUID(),
      at: new Date(),
      method: request.method,
      path: request.path,
      rawRequest: rawText(request),
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
    let outcome: Outcome;
    try {
      outcome = await this.process(request, entry);
    } catch (error) {
      (this.deps.onError ?? console.error)(error);
      outcome = gatewayError('SYSTEM_ERROR');
    }
    const answer: GatewayAnswer = {
      status: outcome.status ?? 200,
      contentType: XML_CONTENT_TYPE,
      body: toGbkBytes(outcome.xml),
      xml: outcome.xml,
    };
    entry.isSuccess = outcome.isSuccess;
    entry.resultCode = outcome.resultCode;
    entry.error = outcome.error;
    entry.response = outcome.xml;
    entry.latencyMs = performance.now() - started;
    this.deps.requestLog.append(entry);
    return answer;
  }

  /** A body over the limit: the XML gateway error with HTTP 413, logged like any other request. */
  tooLarge(request: Omit<GatewayRequest, 'body'>): GatewayAnswer {
    const outcome = gatewayError('ILLEGAL_ARGUMENT');
    this.deps.requestLog.append({
      id: randomUUID(),
      at: new Date(),
      method: request.method,
      path: request.path,
      rawRequest: request.rawQuery.toString('latin1') + '\n(body over 1 MiB, not read)',
      charset: null,
      service: null,
      partner: null,
      params: {},
      isSuccess: false,
      resultCode: null,
      error: 'ILLEGAL_ARGUMENT',
      ruleId: null,
      response: outcome.xml,
      signedString: null,
      latencyMs: 0,
      tradeKey: null,
    });
    return { status: 413, contentType: XML_CONTENT_TYPE, body: toGbkBytes(outcome.xml), xml: outcome.xml };
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
    entry.tradeKey = params.partner_trans_id ?? params.out_trade_no ?? null;

    const verdict = checkRequest(read.request, (id) => this.deps.partners.get(id));
    entry.signedString = verdict.signedString;
    if (verdict.kind === 'reject') return gatewayError(verdict.error);

    const echo = order.map((name) => [name, params[name]!] as const);
    const answer = (fields: Fields): Outcome => {
      const rendered = renderSuccess({ echo, fields, key: verdict.partner.key });
      return {
        xml: rendered.xml,
        isSuccess: true,
        resultCode: rendered.fields.result_code ?? null,
        error: rendered.fields.error ?? rendered.fields.detail_error_code ?? null,
      };
    };
    if (verdict.kind === 'invalid') return answer(verdict.fields);
    const result = await this.execute(verdict, params);
    return answer(result.fields);
  }

  /** Runs the service on its trade in one transaction, under a lock on the trade. */
  private async execute(
    verdict: Extract<Verdict, { kind: 'accept' }>,
    params: Readonly<Record<string, string>>,
    attempt = 1,
  ): Promise<ExecuteResult> {
    const { service, partner, ref } = verdict;
    const now = this.deps.clock.now(partner.id);
    try {
      return await this.deps.store.transaction(async (tx) => {
        let trade = ref.alipayTransId
          ? await tx.findTradeByAlipayTransId(partner.id, ref.alipayTransId)
          : null;
        const lockKey = trade?.partnerTransId ?? (ref.alipayTransId ? null : ref.partnerTransId);
        if (lockKey) {
          await tx.lockTrade(partner.id, lockKey);
          // read again under the lock: another request may have changed it meanwhile
          trade = await tx.findTradeByPartnerTransId(partner.id, lockKey);
        }
        const advanced = trade ? advanceTrade(trade, now) : null;
        if (advanced) trade = advanced;
        const existingRefund = ref.partnerRefundId ? await tx.findRefund(partner.id, ref.partnerRefundId) : null;
        const result = service.execute({
          params,
          partner: partner.id,
          now,
          trade,
          existingRefund,
          freshAlipayTransId: newAlipayTransId(now, randomDigits(16)),
        });
        const toSave = result.trade ?? advanced ?? undefined;
        if (toSave) await tx.saveTrade(toSave);
        if (result.refund) await tx.insertRefund(result.refund);
        return result;
      });
    } catch (error) {
      // Two first requests racing on a new refund id or trade id: the loser runs again and sees the winner's row.
      if (attempt < 3 && (error as { code?: string }).code === UNIQUE_VIOLATION) return this.execute(verdict, params, attempt + 1);
      throw error;
    }
  }
}

function gatewayError(error: GatewayError): Outcome {
  return { xml: renderGatewayError(error), isSuccess: false, resultCode: null, error };
}

function rawText(request: GatewayRequest): string {
  const query = request.rawQuery.length > 0 ? `?${request.rawQuery.toString('latin1')}` : '';
  const body = request.body.length > 0 ? `\n\n${request.body.toString('latin1')}` : '';
  return `${request.method} ${request.path}${query}${body}`;
}
