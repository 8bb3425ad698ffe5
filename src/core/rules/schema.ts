// A rule as users send it (JSON, forms, rules/*.json) → a valid Rule, or one message per dotted field path.
import { RE2JS } from 're2js';
import { z } from 'zod';
import { SERVICE_NAMES, SERVICES, type ServiceName } from '../types.ts';
import { FIELD_NAME } from '../xml.ts';
import { DECIMAL_PATTERN, paramProblem } from './conditions.ts';
import { defaultRuleName, describeRule, templateProblem } from './render.ts';
import { FAULTS, OPERATORS, SCENARIO_DURATIONS, type Condition, type Operator, type Outcome, type Rule, type StoredRule } from './types.ts';
import { resultCodesFor } from './vocabulary.ts';

export { describeRule };

export const RULE_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
export const ERROR_CODE_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
export const OUTCOME_TYPES = ['business', 'gateway', 'pending', 'fault'] as const;
/** an offset is required: a time without one would depend on the server's zone */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

export type Errors = Record<string, string>;
export type ParseResult = { ok: true; rule: Rule } | { ok: false; errors: Errors };
export interface ParseOptions {
  now: Date;
  newId: () => string;
  /** PATCH: the stored rule the input's top-level fields are laid over */
  partialOf?: Rule;
}

const m = (error: string) => ({ error });

const text = (max: number, message: string) => z.string(m(message)).min(1, m(message)).max(max, m(message));

function integer(min: number, max: number, message: string) {
  return z.number(m(message)).int(m(message)).min(min, m(message)).max(max, m(message));
}

const MESSAGES = {
  id: 'must be a slug: lower-case letters, digits, "-" and "_", starting with a letter or digit, at most 64 characters',
  list: 'must be a list of 1 to 1000 strings, each of 1 to 1000 characters',
  decimal: 'must be a decimal number written as a string, such as "100" or "-12.50"',
  delayMs: 'must be a whole number of milliseconds from 0 to 60000',
  error: 'must be an error code: letters, digits, "_", "." or "-", at most 64 characters',
  value: 'must be a string of 1 to 1000 characters',
};

const FIELDS = {
  id: z.string(m(MESSAGES.id)).regex(RULE_ID_PATTERN, m(MESSAGES.id)),
  name: z.string(m('must be text of 1 to 200 characters')).trim().min(1, m('must not be empty')).max(200, m('must be at most 200 characters')),
  service: z.enum([...SERVICE_NAMES, '*'], m(`must be one of ${SERVICE_NAMES.join(', ')}, or "*" for every service`)),
  partner: text(64, 'must be null (every partner) or a partner id of at most 64 characters').nullable(),
  priority: integer(-1_000_000, 1_000_000, 'must be a whole number from -1000000 to 1000000'),
  enabled: z.boolean(m('must be true or false')),
  activeUntil: z
    .string(m('must be an ISO time such as 2024-01-01T12:00:00Z, or null for no end'))
    .regex(ISO_TIME, m('must be an ISO time with a zone, such as 2024-01-01T12:00:00Z, or null for no end'))
    .refine((value) => !Number.isNaN(Date.parse(value)), m('is not a real date and time'))
    .transform((value) => new Date(value).toISOString())
    .nullable(),
  durationMinutes: z.literal(SCENARIO_DURATIONS, m(`must be ${SCENARIO_DURATIONS.join(', ').replace(/, (\d+)$/, ' or $1')}`)),
  remainingUses: integer(1, 1_000_000_000, 'must be a whole number of at least 1, or null for no limit').nullable(),
  delayMs: integer(0, 60_000, MESSAGES.delayMs),
  error: z.string(m(MESSAGES.error)).regex(ERROR_CODE_PATTERN, m(MESSAGES.error)),
  apply: z.boolean(m('must be true or false')),
  settleTo: z.enum(['TRADE_SUCCESS', 'TRADE_CLOSED'], m('must be TRADE_SUCCESS, TRADE_CLOSED or null')).nullable(),
  settleAfterQueries: integer(1, 1000, 'must be a whole number of queries from 1 to 1000, or null').nullable(),
  settleAfterSeconds: integer(1, 86_400, 'must be a whole number of seconds from 1 to 86400, or null').nullable(),
  fault: z.enum(FAULTS, m(`must be one of ${FAULTS.join(', ')}`)),
  value: text(1000, MESSAGES.value),
  list: z.array(text(1000, MESSAGES.list), m(MESSAGES.list)).min(1, m(MESSAGES.list)).max(1000, m(MESSAGES.list)),
  decimal: z.string(m(MESSAGES.decimal)).max(1000, m(MESSAGES.decimal)).regex(DECIMAL_PATTERN, m(MESSAGES.decimal)),
};

/** the first problem of each field */
class Problems {
  readonly errors: Errors = {};
  add(path: string, message: string): void {
    if (!Object.hasOwn(this.errors, path)) this.errors[path] = message;
  }
  read<T>(path: string, schema: z.ZodType<T>, value: unknown): T | undefined {
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    this.add(path, result.error.issues[0]?.message ?? 'is invalid');
    return undefined;
  }
  get ok(): boolean {
    return Object.keys(this.errors).length === 0;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** optional fields that are not nullable take null as "not given" (forms and hand-written JSON send it) */
const given = (value: unknown): boolean => value !== undefined && value !== null;

function show(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
}

function conditionValue(p: Problems, path: string, op: Operator, value: unknown): string | string[] | undefined {
  switch (op) {
    case 'present':
    case 'absent':
      return undefined;
    case 'in':
    case 'not_in':
      return p.read(path, FIELDS.list, value);
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return p.read(path, FIELDS.decimal, value);
    case 'regex': {
      const pattern = p.read(path, FIELDS.value, value);
      if (pattern === undefined) return undefined;
      try {
        RE2JS.compile(pattern);
      } catch (error) {
        p.add(path, `invalid regular expression: ${error instanceof Error ? error.message : String(error)}`);
      }
      return pattern;
    }
    default:
      return p.read(path, FIELDS.value, value);
  }
}

function parseCondition(p: Problems, path: string, item: unknown): Condition | undefined {
  if (!isObject(item)) {
    p.add(path, 'must be an object with param, op and value');
    return undefined;
  }
  const param = typeof item.param === 'string' ? item.param : undefined;
  const paramError = param === undefined ? 'is required: a request parameter name, or trade.<field>' : paramProblem(param);
  if (paramError !== null) p.add(`${path}.param`, paramError);
  const op = item.op;
  if (!(OPERATORS as readonly unknown[]).includes(op)) {
    const known = OPERATORS.join(', ');
    p.add(`${path}.op`, op === undefined ? `is required: one of ${known}` : `unknown operator ${show(op)}; use one of ${known}`);
    return undefined;
  }
  const value = conditionValue(p, `${path}.value`, op as Operator, item.value);
  if (param === undefined) return undefined;
  return value === undefined ? { param, op: op as Operator } : { param, op: op as Operator, value };
}

function parseConditions(p: Problems, path: string, value: unknown): Condition[] {
  return (value as unknown[]).flatMap((item, index) => parseCondition(p, `${path}.${index}`, item) ?? []);
}

function parseWhen(p: Problems, value: unknown): Condition[] {
  if (!given(value)) return [];
  if (!Array.isArray(value) || value.length > 50) {
    p.add('when', 'must be a list of at most 50 conditions');
    return [];
  }
  return parseConditions(p, 'when', value);
}

/** groups of conditions, any of which may hold; an empty group would hold always, so it is refused */
function parseWhenAny(p: Problems, value: unknown): Condition[][] {
  if (!given(value)) return [];
  if (!Array.isArray(value) || value.length > 20) {
    p.add('whenAny', 'must be a list of at most 20 condition groups, each a list of conditions');
    return [];
  }
  return value.map((group, index) => {
    if (!Array.isArray(group) || group.length === 0 || group.length > 50) {
      p.add(`whenAny.${index}`, 'must be a list of 1 to 50 conditions, all of which must hold');
      return [];
    }
    return parseConditions(p, `whenAny.${index}`, group);
  });
}

function parseFields(p: Problems, value: unknown): Record<string, string> {
  if (!given(value)) return {};
  if (!isObject(value)) {
    p.add('then.fields', 'must be an object of response field name → text');
    return {};
  }
  const entries = Object.entries(value);
  if (entries.length > 50) p.add('then.fields', 'may hold at most 50 fields');
  const kept: Array<[string, string]> = [];
  for (const [name, text] of entries) {
    if (!FIELD_NAME.test(name)) {
      p.add('then.fields', `invalid field name ${JSON.stringify(name)}: letters, digits, "_", "." and "-", starting with a letter or "_"`);
    } else if (typeof text !== 'string' || text.length > 1000) {
      p.add(`then.fields.${name}`, 'must be text of at most 1000 characters');
    } else {
      const problem = templateProblem(text);
      if (problem === null) kept.push([name, text]);
      else p.add(`then.fields.${name}`, problem);
    }
  }
  // fromEntries, not assignment: a field named "__proto__" must stay a field
  return Object.fromEntries(kept);
}

/** `apply` makes sense only where the operation may happen behind an uncertain answer */
function applyAllowed(service: ServiceName | '*', resultCode: string): boolean {
  return (service === SERVICES.refund && resultCode === 'UNKNOW') || (service === SERVICES.cancel && resultCode === 'UNKNOWN');
}

/** `service` is undefined when it is itself invalid: the checks that depend on it are then skipped */
function parseThen(p: Problems, then: unknown, service: ServiceName | '*' | undefined): Outcome | undefined {
  const types = OUTCOME_TYPES.join(', ');
  if (!isObject(then) || !(OUTCOME_TYPES as readonly unknown[]).includes(then.type)) {
    const type = isObject(then) ? then.type : undefined;
    p.add('then.type', type === undefined ? `is required: one of ${types}` : `unknown type ${show(type)}; use one of ${types}`);
    return undefined;
  }
  const delayMs = given(then.delayMs) ? p.read('then.delayMs', FIELDS.delayMs, then.delayMs) : 0;
  const error = given(then.error) ? p.read('then.error', FIELDS.error, then.error) : undefined;
  const withError = error === undefined ? {} : { error };
  switch (then.type as (typeof OUTCOME_TYPES)[number]) {
    case 'business': {
      const codes = resultCodesFor(service ?? '*');
      const scope = service === undefined ? '' : service === '*' ? ' (any service)' : ` for ${service}`;
      const message = m(`must be one of ${codes.join(', ')}${scope}`);
      const resultCode = p.read('then.resultCode', z.string(message).refine((code) => codes.includes(code), message), then.resultCode);
      const fields = parseFields(p, then.fields);
      const apply = given(then.apply) ? p.read('then.apply', FIELDS.apply, then.apply) : undefined;
      if (apply === true && service !== undefined && resultCode !== undefined && !applyAllowed(service, resultCode)) {
        p.add('then.apply', 'is only for refund rules answering UNKNOW and cancel rules answering UNKNOWN');
      }
      return { type: 'business', resultCode: resultCode ?? '', ...withError, fields, ...(apply ? { apply } : {}), delayMs };
    }
    case 'gateway':
      if (!given(then.error)) p.add('then.error', 'is required for a gateway answer, e.g. SYSTEM_ERROR');
      return { type: 'gateway', error: error ?? '', delayMs };
    case 'pending': {
      if (service !== undefined && service !== SERVICES.pay) p.add('then.type', `pending is only for ${SERVICES.pay} rules`);
      const settleTo = then.settleTo === undefined ? null : p.read('then.settleTo', FIELDS.settleTo, then.settleTo);
      const queries = then.settleAfterQueries === undefined ? null : p.read('then.settleAfterQueries', FIELDS.settleAfterQueries, then.settleAfterQueries);
      const seconds = then.settleAfterSeconds === undefined ? null : p.read('then.settleAfterSeconds', FIELDS.settleAfterSeconds, then.settleAfterSeconds);
      return { type: 'pending', settleTo, settleAfterQueries: queries, settleAfterSeconds: seconds, ...withError, delayMs };
    }
    case 'fault': {
      const fault = p.read('then.fault', FIELDS.fault, then.fault);
      if (fault === 'delay' && delayMs !== undefined && delayMs < 1) p.add('then.delayMs', 'must be at least 1 for a delay fault');
      return { type: 'fault', fault: fault ?? 'delay', ...withError, delayMs };
    }
  }
}

/** Validates a rule and fills in its defaults. Pure: the clock and the id generator are passed in. */
export function parseRule(input: unknown, options: ParseOptions): ParseResult {
  if (!isObject(input)) return { ok: false, errors: { body: 'must be a JSON object describing a rule' } };
  const p = new Problems();
  let raw = input;
  if (options.partialOf) {
    const { id } = options.partialOf;
    if (given(input.id) && input.id !== id) p.add('id', 'cannot be changed; clone the rule instead');
    raw = { ...ruleToJson(options.partialOf), ...input, id };
  }
  const id = given(raw.id) ? p.read('id', FIELDS.id, raw.id) : options.newId();
  const name = given(raw.name) ? p.read('name', FIELDS.name, raw.name) : undefined;
  const service = p.read('service', FIELDS.service, raw.service);
  const partner = raw.partner === undefined ? null : p.read('partner', FIELDS.partner, raw.partner);
  const priority = raw.priority === undefined ? 0 : p.read('priority', FIELDS.priority, raw.priority);
  const enabled = raw.enabled === undefined ? true : p.read('enabled', FIELDS.enabled, raw.enabled);
  const until = raw.activeUntil === undefined ? null : p.read('activeUntil', FIELDS.activeUntil, raw.activeUntil);
  const duration = given(raw.durationMinutes) ? p.read('durationMinutes', FIELDS.durationMinutes, raw.durationMinutes) : undefined;
  const activeUntil = duration === undefined ? until : new Date(options.now.getTime() + duration * 60_000).toISOString();
  const remainingUses = raw.remainingUses === undefined ? null : p.read('remainingUses', FIELDS.remainingUses, raw.remainingUses);
  const when = parseWhen(p, raw.when);
  const whenAny = parseWhenAny(p, raw.whenAny);
  const then = parseThen(p, raw.then, service);
  if (!p.ok) return { ok: false, errors: p.errors };
  const valid = { service: service!, when, ...(whenAny.length > 0 ? { whenAny } : {}), then: then! };
  const rule: Rule = {
    id: id!,
    name: name ?? defaultRuleName(valid),
    service: valid.service,
    partner: partner!,
    priority: priority!,
    enabled: enabled!,
    activeUntil: activeUntil!,
    remainingUses: remainingUses!,
    when,
    ...(valid.whenAny ? { whenAny: valid.whenAny } : {}),
    then: valid.then,
  };
  return { ok: true, rule };
}

function conditionToJson({ param, op, value }: Condition): Condition {
  if (op === 'present' || op === 'absent' || value === undefined) return { param, op };
  return { param, op, value: Array.isArray(value) ? [...value] : value };
}

function outcomeToJson(then: Outcome): Outcome {
  const error = then.error === undefined ? {} : { error: then.error };
  const delayMs = then.delayMs ?? 0;
  switch (then.type) {
    case 'business':
      return { type: 'business', resultCode: then.resultCode, ...error, fields: { ...then.fields }, ...(then.apply ? { apply: true } : {}), delayMs };
    case 'gateway':
      return { type: 'gateway', error: then.error, delayMs };
    case 'pending':
      return {
        type: 'pending',
        settleTo: then.settleTo ?? null,
        settleAfterQueries: then.settleAfterQueries ?? null,
        settleAfterSeconds: then.settleAfterSeconds ?? null,
        ...error,
        delayMs,
      };
    case 'fault':
      return { type: 'fault', fault: then.fault, ...error, delayMs };
  }
}

/** the public JSON shape of a rule, fields in the design's order, without the engine's runtime fields */
export function ruleToJson(rule: Rule | StoredRule): Rule {
  return {
    id: rule.id,
    name: rule.name,
    service: rule.service,
    partner: rule.partner,
    priority: rule.priority,
    enabled: rule.enabled,
    activeUntil: rule.activeUntil,
    remainingUses: rule.remainingUses,
    when: rule.when.map(conditionToJson),
    // only when there are groups: rules without them keep the shape they always had (rules/*.json among them)
    ...(rule.whenAny && rule.whenAny.length > 0 ? { whenAny: rule.whenAny.map((group) => group.map(conditionToJson)) } : {}),
    then: outcomeToJson(rule.then),
  };
}
