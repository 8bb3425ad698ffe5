// A typed MAPI client for tests: builds the parameters, signs, sends, reads the GBK answer and checks its sign.
import { charsetLabel, type Charset } from '../core/charset.ts';
import { formatGmt8 } from '../core/time.ts';
import { SERVICES } from '../core/types.ts';
import { MapiArgumentError, MapiResponseError } from '../core/errors.ts';
import { type ServiceInput, requireService } from '../core/service-alias.ts';
import {
  defined, extraParams, optionalId, optionalText, requireAmount, requireBuyerCode, requireCurrency, requireId, requireObject, requireText,
} from './arguments.ts';
import { type MapiCharset, checkParams, signRequest, toCharset } from './signing.ts';
import { type HttpAnswer, type HttpRequest, type RequestListenerLike, sendToApp, sendToUrl } from './transport.ts';
import { verifyResponse } from './verify.ts';

interface CommonOptions {
  /** the partner id (16 digits) */
  partner: string;
  /** its MD5 key */
  key: string;
  /** `_input_charset` of every request: utf-8 (default) or GBK */
  charset?: MapiCharset;
  /** POST form (default; the charset also in the URL, as the official Java demo sends it) or GET */
  method?: 'POST' | 'GET';
  /** how long to wait for an answer (ms); default 75,000, above the longest delay a rule can set */
  timeoutMs?: number;
}

export type MapiClientOptions = CommonOptions &
  (
    | { /** e.g. `http://127.0.0.1:8080/gateway.do` */ gatewayUrl: string; app?: undefined }
    | { /** an Express app (createApp()) or any Node request handler */ app: RequestListenerLike; /** default /gateway.do */ path?: string; gatewayUrl?: undefined }
  );

export interface MapiResult {
  /** the HTTP status (200 for every gateway and business answer) */
  status: number;
  /** `is_success` was `T`: the gateway accepted the request (the business outcome is in `resultCode`) */
  isSuccess: boolean;
  /** the gateway error (`is_success=F`), or the business error (`error`, or `detail_error_code` for cancel) */
  error?: string;
  /** `result_code`: SUCCESS, FAILED, UNKNOW (pay, refund), FAIL (query, cancel), UNKNOWN (cancel) */
  resultCode?: string;
  /** the fields of `<response><alipay>` */
  fields: Record<string, string>;
  /** the answer's sign checked with the key; null when the answer is unsigned (gateway errors) */
  signValid: boolean | null;
  /** the answer's XML as text */
  raw: string;
  /** the parameters sent, `sign` included */
  sent: Record<string, string>;
}

export interface PayInput {
  partnerTransId: string;
  /** a decimal string, e.g. "10.00" (whole numbers for JPY and KRW) */
  amount: string;
  currency: string;
  /** the code scanned from the buyer's phone: 16 to 24 digits starting 25 to 30 */
  buyerCode: string;
  transName: string;
  /** default "1" */
  quantity?: string;
  /** default: the partner */
  sellerId?: string;
  /** default "barcode" */
  identityCodeType?: 'barcode' | 'QRcode';
  /** yyyyMMddHHmmss (GMT+8); default now */
  transCreateTime?: string;
  memo?: string;
  notifyUrl?: string;
  /** more parameters, sent as they are (extend_info, trade_information, ...) */
  extra?: Record<string, string>;
}

export type QueryInput = ({ partnerTransId: string; alipayTransId?: string } | { alipayTransId: string; partnerTransId?: string }) & {
  extra?: Record<string, string>;
};

export interface RefundInput {
  partnerTransId: string;
  partnerRefundId: string;
  /** a decimal string, e.g. "1.00" */
  amount: string;
  currency: string;
  reason?: string;
  alipayTransId?: string;
  /** default "Y": the answer is the result */
  isSync?: 'Y' | 'N';
  extra?: Record<string, string>;
}

/** `outTradeNo` is the pay's partnerTransId; `tradeNo` its alipay_trans_id (wins when both are given) */
export type CancelInput = ({ outTradeNo: string; tradeNo?: string } | { tradeNo: string; outTradeNo?: string }) & {
  /** epoch milliseconds; default now */
  timestamp?: string;
  extra?: Record<string, string>;
};

type Target = { kind: 'url'; url: string } | { kind: 'app'; app: RequestListenerLike; path: string };

export class MapiClient {
  readonly partner: string;
  private readonly key: string;
  private readonly charset: Charset;
  private readonly method: 'POST' | 'GET';
  private readonly timeoutMs: number;
  private readonly target: Target;

  constructor(options: MapiClientOptions) {
    requireObject(options, 'options');
    this.partner = requireId(options.partner, 'partner');
    this.key = requireId(options.key, 'key');
    this.charset = toCharset(options.charset ?? 'utf-8');
    if (options.method !== undefined && options.method !== 'POST' && options.method !== 'GET') {
      throw new MapiArgumentError('method', `must be POST or GET; got ${JSON.stringify(options.method)}`);
    }
    this.method = options.method ?? 'POST';
    this.timeoutMs = options.timeoutMs ?? 75_000;
    if (typeof options.app === 'function' && options.gatewayUrl === undefined) {
      this.target = { kind: 'app', app: options.app, path: options.path ?? '/gateway.do' };
    } else if (typeof options.gatewayUrl === 'string' && options.app === undefined && URL.canParse(options.gatewayUrl)) {
      this.target = { kind: 'url', url: options.gatewayUrl };
    } else {
      throw new MapiArgumentError('options', 'need either gatewayUrl (an absolute URL such as http://127.0.0.1:8080/gateway.do) or app (an Express app), not both');
    }
  }

  /** alipay.acquire.overseas.spot.pay */
  async pay(input: PayInput): Promise<MapiResult> {
    requireObject(input, 'pay input');
    const currency = requireCurrency(input.currency);
    return this.call(SERVICES.pay, {
      ...defined({
        notify_url: optionalText(input.notifyUrl, 'notifyUrl', 200),
        alipay_seller_id: input.sellerId === undefined ? this.partner : requireId(input.sellerId, 'sellerId', 16),
        quantity: input.quantity ?? '1',
        trans_name: requireText(input.transName, 'transName', 256),
        partner_trans_id: requireId(input.partnerTransId, 'partnerTransId'),
        currency,
        trans_amount: requireAmount(input.amount, currency),
        buyer_identity_code: requireBuyerCode(input.buyerCode),
        identity_code_type: input.identityCodeType ?? 'barcode',
        trans_create_time: input.transCreateTime ?? formatGmt8(new Date()),
        memo: optionalText(input.memo, 'memo', 256),
        biz_product: 'OVERSEAS_MBARCODE_PAY',
      }),
      ...extraParams(input.extra),
    });
  }

  /** alipay.acquire.overseas.query, by partnerTransId and/or alipayTransId */
  async query(input: QueryInput): Promise<MapiResult> {
    requireObject(input, 'query input');
    const ids = defined({
      partner_trans_id: optionalId(input.partnerTransId, 'partnerTransId'),
      alipay_trans_id: optionalId(input.alipayTransId, 'alipayTransId'),
    });
    if (Object.keys(ids).length === 0) throw new MapiArgumentError('partnerTransId', 'or alipayTransId is required');
    return this.call(SERVICES.query, { ...ids, ...extraParams(input.extra) });
  }

  /** alipay.acquire.overseas.spot.refund */
  async refund(input: RefundInput): Promise<MapiResult> {
    requireObject(input, 'refund input');
    const partnerTransId = requireId(input.partnerTransId, 'partnerTransId');
    const partnerRefundId = requireId(input.partnerRefundId, 'partnerRefundId');
    if (partnerRefundId === partnerTransId) throw new MapiArgumentError('partnerRefundId', 'must differ from partnerTransId');
    const currency = requireCurrency(input.currency);
    if (input.isSync !== undefined && input.isSync !== 'Y' && input.isSync !== 'N') {
      throw new MapiArgumentError('isSync', `must be "Y" or "N"; got ${JSON.stringify(input.isSync)}`);
    }
    return this.call(SERVICES.refund, {
      ...defined({
        partner_trans_id: partnerTransId,
        alipay_trans_id: optionalId(input.alipayTransId, 'alipayTransId'),
        partner_refund_id: partnerRefundId,
        refund_amount: requireAmount(input.amount, currency),
        currency,
        refund_reason: optionalText(input.reason, 'reason', 128),
        is_sync: input.isSync ?? 'Y',
      }),
      ...extraParams(input.extra),
    });
  }

  /** alipay.acquire.cancel, by outTradeNo (the pay's partnerTransId) and/or tradeNo */
  async cancel(input: CancelInput): Promise<MapiResult> {
    requireObject(input, 'cancel input');
    const ids = defined({
      out_trade_no: optionalId(input.outTradeNo, 'outTradeNo'),
      trade_no: optionalId(input.tradeNo, 'tradeNo'),
    });
    if (Object.keys(ids).length === 0) throw new MapiArgumentError('outTradeNo', 'or tradeNo is required');
    const timestamp = input.timestamp ?? String(Date.now());
    if (typeof timestamp !== 'string') throw new MapiArgumentError('timestamp', 'must be a string (epoch milliseconds)');
    return this.call(SERVICES.cancel, { ...ids, timestamp, ...extraParams(input.extra) });
  }

  /**
   * Any of the four services with the parameters given as they are (`partner` and `_input_charset` added unless
   * given), signed: for requests the typed methods would refuse on purpose, such as an amount of "-1".
   */
  async call(service: ServiceInput, params: Record<string, string> = {}): Promise<MapiResult> {
    const name = requireService(service);
    const signed = signRequest(
      { service: name, partner: this.partner, _input_charset: this.charset === 'utf-8' ? 'utf-8' : charsetLabel(this.charset), ...checkParams(params) },
      this.key,
    );
    const answer = await this.send(signed.form, signed.params._input_charset!);
    const status = answer.status;
    let verified;
    try {
      verified = verifyResponse(answer.body, this.key, this.charset);
    } catch (error) {
      if (error instanceof MapiResponseError) throw new MapiResponseError(`${error.message} (HTTP ${status})`, status, error.raw);
      throw error;
    }
    return {
      status,
      isSuccess: verified.isSuccess,
      ...(verified.error === undefined ? {} : { error: verified.error }),
      ...(verified.resultCode === undefined ? {} : { resultCode: verified.resultCode }),
      fields: verified.fields,
      signValid: verified.signed ? verified.ok : null,
      raw: verified.xml,
      sent: signed.params,
    };
  }

  private async send(form: string, charset: string): Promise<HttpAnswer> {
    const query = `_input_charset=${charset}`;
    const request: Omit<HttpRequest, 'url'> =
      this.method === 'GET'
        ? { method: 'GET', timeoutMs: this.timeoutMs }
        : { method: 'POST', body: form, headers: { 'Content-Type': `application/x-www-form-urlencoded; charset=${charset}` }, timeoutMs: this.timeoutMs };
    const suffix = this.method === 'GET' ? form : query;
    try {
      if (this.target.kind === 'app') return await sendToApp(this.target.app, { ...request, url: `${this.target.path}?${suffix}` });
      const base = this.target.url;
      return await sendToUrl({ ...request, url: `${base}${base.includes('?') ? '&' : '?'}${suffix}` });
    } catch (error) {
      throw new MapiResponseError(`no answer from the gateway: ${(error as Error).message}`, null, null, { cause: error });
    }
  }
}
