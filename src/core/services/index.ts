import type { ServiceName } from '../types.ts';
import { cancel } from './cancel.ts';
import { query } from './query.ts';
import { spotRefund } from './refund.ts';
import type { ServiceDefinition } from './service.ts';
import { spotPay } from './spot-pay.ts';

export { advanceTrade, settleTrade, WAIT_BUYER_PAY_TIMEOUT_MS } from './lifecycle.ts';
export { cancel, query, spotPay, spotRefund };

export const SERVICES_BY_NAME: Readonly<Record<ServiceName, ServiceDefinition>> = {
  'alipay.acquire.overseas.spot.pay': spotPay,
  'alipay.acquire.overseas.query': query,
  'alipay.acquire.overseas.spot.refund': spotRefund,
  'alipay.acquire.cancel': cancel,
};

/** the definition of a service, or null for a name the gateway does not serve (ILLEGAL_SERVICE) */
export function getService(name: ServiceName): ServiceDefinition;
export function getService(name: string): ServiceDefinition | null;
export function getService(name: string): ServiceDefinition | null {
  return Object.hasOwn(SERVICES_BY_NAME, name) ? SERVICES_BY_NAME[name as ServiceName] : null;
}
