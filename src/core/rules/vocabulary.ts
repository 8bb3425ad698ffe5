// What a rule may say, per service: result codes (checked), error codes and parameter names (suggested in forms).
import { SERVICES, SERVICE_NAMES, type ServiceName } from '../types.ts';

/** result_code values per service (protocol §10.1): clients compare these exact strings */
export const RESULT_CODES: Readonly<Record<ServiceName, readonly string[]>> = {
  [SERVICES.pay]: ['SUCCESS', 'FAILED', 'UNKNOW'],
  [SERVICES.refund]: ['SUCCESS', 'FAILED', 'UNKNOW'],
  [SERVICES.query]: ['SUCCESS', 'FAIL'],
  [SERVICES.cancel]: ['SUCCESS', 'FAIL', 'UNKNOWN'],
};

/** a `"*"` rule answers every service, so it may use any service's code */
export const ANY_RESULT_CODES: readonly string[] = [...new Set(Object.values(RESULT_CODES).flat())];

export function resultCodesFor(service: ServiceName | '*'): readonly string[] {
  return service === '*' ? ANY_RESULT_CODES : RESULT_CODES[service];
}

/** business error codes worth offering per service (protocol §4.5); any code matching the pattern is accepted */
export const ERROR_CODES: Readonly<Record<ServiceName, readonly string[]>> = {
  [SERVICES.pay]: [
    'SYSTEM_ERROR', 'BUYER_BALANCE_NOT_ENOUGH', 'BUYER_BANKCARD_BALANCE_NOT_ENOUGH', 'BUYER_PAYMENT_AMOUNT_DAY_LIMIT_ERROR',
    'SOUNDWAVE_PARSER_FAIL', 'TRADE_HAS_CLOSE', 'TRADE_BUYER_NOT_MATCH', 'INVALID_PARAMETER', 'PULL_MOBILE_CASHIER_FAIL',
    'PAYMENT_FAIL', 'MOBILE_PAYMENT_SWITCH_OFF', 'TRADE_HAS_SUCCESS', 'ERROR_BUYER_CERTIFY_LEVEL_LIMIT',
    'BEYOND_PAY_RESTRICTION', 'EXIST_FORBIDDEN_WORD', 'REASON_TRADE_BEEN_FREEZEN', 'SELLER_NOT_EXIST', 'BUYER_NOT_EXIST',
    'BUYER_ENABLE_STATUS_FORBID', 'BUYER_SELLER_EQUAL', 'CLIENT_VERSION_NOT_MATCH',
  ],
  [SERVICES.refund]: [
    'REFUND_AMT_RESTRICTION', 'REQUEST_AMOUNT_EXCEED', 'RETURN_AMOUNT_EXCEED', 'TRADE_NOT_EXIST', 'TRADE_STATUS_ERROR',
    'REASON_TRADE_BEEN_FREEZEN', 'SYSTEM_ERROR', 'INVALID_PARAMETER',
  ],
  [SERVICES.query]: ['TRADE_NOT_EXIST', 'SYSTEM_ERROR'],
  [SERVICES.cancel]: ['SYSTEM_ERROR', 'TRADE_NOT_EXIST', 'TRADE_STATUS_ERROR'],
};

/** `is_success=F` codes (protocol §4.5, gateway level) */
export const GATEWAY_ERROR_CODES: readonly string[] = [
  'ILLEGAL_SIGN', 'ILLEGAL_ARGUMENT', 'ILLEGAL_SERVICE', 'ILLEGAL_PARTNER', 'ILLEGAL_SIGN_TYPE', 'ILLEGAL_CHARSET',
  'SYSTEM_ERROR', 'HAS_NO_PRIVILEGE', 'ILLEGAL_PARTNER_EXTERFACE',
];

/** the fields of the stored trade a condition or template may name as `trade.<field>` */
export const TRADE_FIELDS = [
  'trans_amount', 'currency', 'state', 'partner_trans_id', 'alipay_trans_id', 'refunded', 'buyer_identity_code',
  'trans_name', 'buyer_user_id',
] as const;
export type TradeField = (typeof TRADE_FIELDS)[number];

export function isTradeField(name: string): name is TradeField {
  return (TRADE_FIELDS as readonly string[]).includes(name);
}

const COMMON_PARAMS = ['service', 'partner', '_input_charset', 'sign_type', 'sign'] as const;

/** the request parameters of each service (protocol §4 tables), common ones first */
export const REQUEST_PARAMS: Readonly<Record<ServiceName, readonly string[]>> = {
  [SERVICES.pay]: [
    ...COMMON_PARAMS, 'notify_url', 'alipay_seller_id', 'quantity', 'trans_name', 'partner_trans_id', 'currency',
    'trans_currency', 'trans_amount', 'buyer_identity_code', 'identity_code_type', 'trans_create_time', 'memo',
    'biz_product', 'extend_info', 'trade_information',
  ],
  [SERVICES.cancel]: [...COMMON_PARAMS, 'timestamp', 'terminal_timestamp', 'out_trade_no', 'trade_no'],
  [SERVICES.refund]: [
    ...COMMON_PARAMS, 'notify_url', 'partner_trans_id', 'alipay_trans_id', 'partner_refund_id', 'refund_amount',
    'currency', 'refund_reason', 'refund_reson', 'is_sync',
  ],
  [SERVICES.query]: [...COMMON_PARAMS, 'partner_trans_id', 'alipay_trans_id'],
};

/** names to suggest for `param`: the request's parameters, and the stored trade's fields where a request refers to one */
export function paramSuggestions(service: ServiceName | '*'): string[] {
  const services = service === '*' ? SERVICE_NAMES : [service];
  const names = new Set(services.flatMap((name) => REQUEST_PARAMS[name]));
  if (service !== SERVICES.pay) for (const field of TRADE_FIELDS) names.add(`trade.${field}`);
  return [...names];
}

/** error codes to suggest for a rule's `then.error` */
export function errorSuggestions(service: ServiceName | '*', type: 'business' | 'gateway' | 'pending' | 'fault'): string[] {
  if (type === 'gateway') return [...GATEWAY_ERROR_CODES];
  const services = service === '*' ? SERVICE_NAMES : [service];
  return [...new Set(services.flatMap((name) => ERROR_CODES[name]))];
}

const SHORT_NAMES: Readonly<Record<ServiceName, string>> = {
  [SERVICES.pay]: 'pay',
  [SERVICES.query]: 'query',
  [SERVICES.refund]: 'refund',
  [SERVICES.cancel]: 'cancel',
};

/** "pay", "refund", …; "any service" for "*" */
export function serviceLabel(service: ServiceName | '*'): string {
  return service === '*' ? 'any service' : SHORT_NAMES[service];
}
