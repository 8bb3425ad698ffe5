import { type Charset } from './charset.ts';
import { type DecodedParams, FormError, type RawPair, decodePairs, findCharset } from './form.ts';
import { getService } from './services/index.ts';
import { failureFields } from './services/common.ts';
import type { ServiceDefinition, TradeRef } from './services/service.ts';
import { verifyRequestSign } from './sign.ts';
import { type Fields, type Partner, isServiceName } from './types.ts';

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
    return { ok: true, request: { ...decoded, charset } };
  } catch (error) {
    if (error instanceof FormError) return { ok: false, error: error.code, message: error.message };
    throw error;
  }
}

export type Verdict =
  | { kind: 'reject'; error: GatewayError; message: string; partner: Partner | null; signedString: string | null }
  | { kind: 'invalid'; service: ServiceDefinition; partner: Partner; signedString: string; fields: Fields; message: string }
  | { kind: 'accept'; service: ServiceDefinition; partner: Partner; signedString: string; ref: TradeRef };

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
      message: invalid,
      fields: failureFields(service, params, 'INVALID_PARAMETER', invalid),
    };
  }
  return { kind: 'accept', service, partner, signedString, ref: service.ref(params) };
}
