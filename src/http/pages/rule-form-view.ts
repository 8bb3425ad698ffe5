// What the rule pages show besides the rule itself: the vocabulary offered in the form, a rule's state in words,
// and times written for people.
import { OUTCOME_TYPES, describeRule } from '../../core/rules/schema.ts';
import { FAULTS, OPERATORS, SCENARIO_DURATIONS, type Operator, type Rule, type StoredRule } from '../../core/rules/types.ts';
import { GATEWAY_ERROR_CODES, errorSuggestions, paramSuggestions, resultCodesFor, serviceLabel } from '../../core/rules/vocabulary.ts';
import { SERVICE_NAMES, type ServiceName, isServiceName } from '../../core/types.ts';
import type { RuleForm } from './rule-form.ts';
import { formatTime as formatPageTime, formatZonedTime } from './request-format.ts';

export interface Option {
  value: string;
  label: string;
}

const OPERATOR_LABELS: Readonly<Record<Operator, string>> = {
  eq: 'eq — equals',
  ne: 'ne — does not equal',
  in: 'in — one of (comma-separated)',
  not_in: 'not_in — none of (comma-separated)',
  prefix: 'prefix — starts with',
  suffix: 'suffix — ends with',
  contains: 'contains',
  regex: 'regex — matches (RE2)',
  gt: 'gt — greater than',
  gte: 'gte — at least',
  lt: 'lt — less than',
  lte: 'lte — at most',
  present: 'present — is sent',
  absent: 'absent — is not sent',
};

const TYPE_LABELS: Readonly<Record<(typeof OUTCOME_TYPES)[number], string>> = {
  business: 'Business answer — signed, with a result code',
  gateway: 'Gateway error — is_success=F, unsigned',
  pending: 'Pending — pay answers UNKNOW, the trade settles later',
  fault: 'Fault — a broken HTTP answer',
};

const FAULT_LABELS: Readonly<Record<(typeof FAULTS)[number], string>> = {
  delay: 'delay — answer after delayMs',
  reset: 'reset — drop the connection',
  empty: 'empty — HTTP 200, no body',
  malformed_xml: 'malformed_xml — XML cut off',
  http_500: 'http_500 — an HTML error page',
  bad_sign: 'bad_sign — a wrong signature',
};

export const SERVICE_OPTIONS: readonly Option[] = SERVICE_NAMES.map((name) => ({ value: name, label: `${serviceLabel(name)} — ${name}` }));
export const OPERATOR_OPTIONS: readonly Option[] = OPERATORS.map((op) => ({ value: op, label: OPERATOR_LABELS[op] }));
export const TYPE_OPTIONS: readonly Option[] = OUTCOME_TYPES.map((type) => ({ value: type, label: TYPE_LABELS[type] }));
export const FAULT_OPTIONS: readonly Option[] = FAULTS.map((fault) => ({ value: fault, label: FAULT_LABELS[fault] }));
export const DURATIONS: readonly number[] = SCENARIO_DURATIONS;

const asService = (value: string): ServiceName | '*' => (value === '*' || isServiceName(value) ? value : '*');

/** the choices an option list offers, with the current value kept even when it is not one of them */
export function withCurrent(values: readonly string[], current: string): string[] {
  return current === '' || values.includes(current) ? [...values] : [current, ...values];
}

/** per service, for rules.js to refill the lists when the service changes */
export function vocabularyJson(): string {
  const services: Array<ServiceName | '*'> = [...SERVICE_NAMES, '*'];
  const of = <T>(fn: (service: ServiceName | '*') => T) => Object.fromEntries(services.map((service) => [service, fn(service)]));
  return JSON.stringify({
    resultCodes: of(resultCodesFor),
    params: of(paramSuggestions),
    errors: of((service) => errorSuggestions(service, 'business')),
    gatewayErrors: GATEWAY_ERROR_CODES,
  });
}

/** what the form's lists offer for the service it shows */
export function formVocabulary(form: RuleForm, partners: readonly string[]) {
  const service = asService(form.service);
  return {
    services: [...SERVICE_OPTIONS, { value: '*', label: 'any service — *' }],
    partners: withCurrent(partners, form.partner),
    operators: OPERATOR_OPTIONS,
    types: TYPE_OPTIONS,
    faults: FAULT_OPTIONS,
    durations: DURATIONS,
    resultCodes: withCurrent(resultCodesFor(service), form.resultCode),
    params: paramSuggestions(service),
    businessErrors: errorSuggestions(service, 'business'),
    gatewayErrors: GATEWAY_ERROR_CODES,
    json: vocabularyJson(),
  };
}

export type RuleState = 'enabled' | 'disabled' | 'expired' | 'used-up';
export const RULE_STATES: readonly RuleState[] = ['enabled', 'disabled', 'expired', 'used-up'];

/** whether a rule can answer now, and if not why; `now` is its partner's clock */
export function ruleState(rule: Rule, now: Date): RuleState {
  if (!rule.enabled) return 'disabled';
  if (rule.activeUntil !== null && Date.parse(rule.activeUntil) <= now.getTime()) return 'expired';
  if (rule.remainingUses !== null && rule.remainingUses <= 0) return 'used-up';
  return 'enabled';
}

export const STATE_BADGES: Readonly<Record<RuleState, { label: string; tone: string }>> = {
  enabled: { label: 'enabled', tone: 'good' },
  disabled: { label: 'disabled', tone: 'off' },
  expired: { label: 'expired', tone: 'warn' },
  'used-up': { label: 'used up', tone: 'warn' },
};

/** "2024-01-01 12:00:03 GMT+8"; without the zone where a column header names it */
export function formatTime(value: Date | string | null, zone = true): string {
  if (value === null) return '';
  const date = typeof value === 'string' ? new Date(value) : value;
  return zone ? formatZonedTime(date) : formatPageTime(date);
}

/** "1 h 5 min", "12 min 30 s", "45 s" */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s >= 3600) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  if (s >= 60) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  return `${s} s`;
}

export const ruleHref = (id: string): string => `/rules/${encodeURIComponent(id)}`;

/** what a list shows of a rule */
export function ruleSummary(rule: StoredRule, now: Date) {
  const state = ruleState(rule, now);
  return {
    id: rule.id,
    href: ruleHref(rule.id),
    name: rule.name,
    description: describeRule(rule),
    service: serviceLabel(rule.service),
    partner: rule.partner,
    source: rule.source,
    priority: rule.priority,
    hits: rule.hits,
    lastHit: formatTime(rule.lastHitAt),
    lastHitShort: formatTime(rule.lastHitAt, false),
    state,
    badge: STATE_BADGES[state],
    enabled: rule.enabled,
    activeUntil: formatTime(rule.activeUntil),
    timeLeft: rule.activeUntil !== null && state === 'enabled' ? formatDuration((Date.parse(rule.activeUntil) - now.getTime()) / 1000) : null,
    remainingUses: rule.remainingUses,
  };
}
