import { SERVICES, type ServiceName, isServiceName } from '../core/types.ts';
import { MapiArgumentError } from './errors.ts';

/** the short names helpers take besides the full service names */
export type ServiceAlias = keyof typeof SERVICES;
/** a service as helpers take it: `'pay'` or `'alipay.acquire.overseas.spot.pay'` */
export type ServiceInput = ServiceName | ServiceAlias;

const KNOWN = [...Object.keys(SERVICES), ...Object.values(SERVICES)].join(', ');

/** the full service name, or null when `value` names no service */
export function serviceName(value: unknown): ServiceName | null {
  if (typeof value !== 'string') return null;
  if (isServiceName(value)) return value;
  return Object.hasOwn(SERVICES, value) ? SERVICES[value as ServiceAlias] : null;
}

/** the full service name; anything else is a MapiArgumentError that lists what is known */
export function requireService(value: unknown, argument = 'service'): ServiceName {
  const name = serviceName(value);
  if (name === null) throw new MapiArgumentError(argument, `must be one of ${KNOWN}; got ${JSON.stringify(value)}`);
  return name;
}
