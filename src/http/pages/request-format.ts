// How the tester pages write times, amounts, outcomes and links: one place, so every page reads alike.
import { currencyDecimals } from '../../core/currency.ts';
import { formatAmount } from '../../core/money.ts';
import { serviceLabel } from '../../core/rules/vocabulary.ts';
import { isServiceName } from '../../core/types.ts';

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/**
 * Pages write times in GMT+8, the protocol's zone: the gateway's answers and notifications speak it, so a page and
 * an answer read alike whatever zone the server runs in. Every page says so (zoneLabel).
 */
export const PAGE_ZONE_OFFSET_MS = 8 * 3_600_000;

/** "2024-01-01 12:00:03" in GMT+8 */
export function formatTime(date: Date | null): string {
  if (date === null || Number.isNaN(date.getTime())) return '';
  const d = new Date(date.getTime() + PAGE_ZONE_OFFSET_MS);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** "2024-01-01 12:00:03 GMT+8", for times shown without a column header naming the zone */
export function formatZonedTime(date: Date | null): string {
  const text = formatTime(date);
  return text === '' ? '' : `${text} ${zoneLabel()}`;
}

/** "12:00:03" for a moment of today (the full time is in the title), the full time otherwise: keeps tables narrow */
export function formatTimeShort(date: Date, now: Date = new Date()): string {
  const full = formatTime(date);
  return full.slice(0, 10) === formatTime(now).slice(0, 10) ? full.slice(11) : full;
}

/** ids stay on one line unless they are longer than any the gateway makes */
export function idClass(text: string): string {
  return text.length > 32 ? 'tool-id tool-long' : 'tool-id';
}

/** the value a datetime-local input shows for a moment: "2024-01-01T12:00:03" */
export function timeInputValue(date: Date): string {
  return formatTime(date).replace(' ', 'T');
}

/** the zone formatTime writes in */
export function zoneLabel(): string {
  return 'GMT+8';
}

export function formatLatency(ms: number): string {
  if (!Number.isFinite(ms)) return '';
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

/** minor units as the gateway writes them: "10.00" ("1000" for yen) */
export function amountText(minor: number, currency: string): string {
  return formatAmount(minor, currencyDecimals(currency));
}

/** "pay", "refund", …; an unknown service name as it was sent */
export function serviceText(service: string | null): string {
  if (service === null || service === '') return '—';
  return isServiceName(service) ? serviceLabel(service) : service;
}

/** a link with a query string; empty values are left out so that links stay short */
export function withQuery(path: string, query: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(name, value);
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/** one value of a query-string parameter: a repeated or nested one counts as absent */
export function one(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** the database cannot hold NUL: text with one can match nothing stored, so it is not looked up at all */
export function storable(text: string): boolean {
  return !text.includes('\0');
}

/** the badge class of a trade state */
export function stateClass(state: string): string {
  switch (state) {
    case 'TRADE_SUCCESS':
      return 'good';
    case 'WAIT_BUYER_PAY':
      return 'warn';
    case 'TRADE_CLOSED':
      return 'off';
    default:
      return 'info';
  }
}

/** why no rule decided an answer: the gateway may have refused the request before rules were consulted */
/** whether the gateway got as far as the rules: it refuses a request it cannot accept (is_success=F) or whose values are invalid first */
export function rulesConsulted(isSuccess: boolean, error: string | null): boolean {
  return isSuccess && error !== 'INVALID_PARAMETER';
}

export function whyNoRule(isSuccess: boolean, error: string | null): string {
  if (!isSuccess) return `The gateway refused this request (${error ?? 'is_success=F'}) before any rule was consulted.`;
  if (error === 'INVALID_PARAMETER') return 'The gateway refused its values (INVALID_PARAMETER) before any rule was consulted.';
  return "No rule answered this request: the service's own behaviour did.";
}
