// The rule form: what a browser posts ↔ the rule JSON parseRule takes, and parseRule's errors back onto the inputs.
// Input names are the rule's own dotted paths (`when.0.op`, `then.resultCode`), so an error key names its input.
import type { Errors } from '../../core/rules/schema.ts';
import { getService } from '../../core/services/index.ts';
import { SERVICES } from '../../core/types.ts';
import {
  type ConditionRow,
  type RowAction,
  type RowMap,
  blankRow,
  conditionRowsFromBody,
  conditionsFromRows,
  rowAction,
  rowErrorKey,
} from './rule-form-conditions.ts';

export { applyRowAction, blankRow, type ConditionRow } from './rule-form-conditions.ts';

/** every input of the form, as typed */
export interface RuleForm {
  id: string;
  name: string;
  service: string;
  /** '' for every partner */
  partner: string;
  priority: string;
  enabled: boolean;
  when: ConditionRow[];
  /** any-of groups, each a list of rows */
  whenAny: ConditionRow[][];
  /** ticked: the tester means a rule without any condition (every request of the service) */
  everyRequest: boolean;
  type: string;
  resultCode: string;
  error: string;
  /** `name=value` lines */
  fields: string;
  apply: boolean;
  settleTo: string;
  settleAfterQueries: string;
  settleAfterSeconds: string;
  fault: string;
  delayMs: string;
  /** '' (none), 30, 60, 90 or 120 */
  durationMinutes: string;
  activeUntil: string;
  remainingUses: string;
}

export type FormAction = 'save' | 'preview' | RowAction;

/** errors placed beside their inputs (keyed by input name), and those that fit no input */
export interface FormErrors {
  fields: Record<string, string>;
  other: string[];
}

export function emptyRuleForm(service: string = SERVICES.pay): RuleForm {
  return {
    id: '',
    name: '',
    service,
    partner: '',
    priority: '0',
    enabled: true,
    when: [blankRow()],
    whenAny: [],
    everyRequest: false,
    type: 'business',
    resultCode: getService(service)?.failureCode ?? 'FAILED',
    error: '',
    fields: '',
    apply: false,
    settleTo: '',
    settleAfterQueries: '',
    settleAfterSeconds: '',
    fault: 'delay',
    delayMs: '0',
    durationMinutes: '',
    activeUntil: '',
    remainingUses: '',
  };
}

type Body = Record<string, unknown>;

/** a time typed without a zone is read in GMT+8, the zone the pages show times in */
const ZONELESS_TIME = /^(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d(?::\d\d)?)$/;

function text(body: Body, name: string): string {
  if (!Object.hasOwn(body, name)) return '';
  const value = Array.isArray(body[name]) ? (body[name] as unknown[])[0] : body[name];
  return typeof value === 'string' ? value : '';
}

/** the posted form, as typed (nothing validated here) */
export function formFromBody(body: Body): RuleForm {
  const { when, whenAny } = conditionRowsFromBody(body);
  return {
    id: text(body, 'id').trim(),
    name: text(body, 'name'),
    service: text(body, 'service'),
    partner: text(body, 'partner'),
    priority: text(body, 'priority'),
    enabled: text(body, 'enabled') !== '',
    when,
    whenAny,
    everyRequest: text(body, 'everyRequest') !== '',
    type: text(body, 'then.type'),
    resultCode: text(body, 'then.resultCode'),
    error: text(body, 'then.error'),
    fields: text(body, 'then.fields'),
    apply: text(body, 'then.apply') !== '',
    settleTo: text(body, 'then.settleTo'),
    settleAfterQueries: text(body, 'then.settleAfterQueries'),
    settleAfterSeconds: text(body, 'then.settleAfterSeconds'),
    fault: text(body, 'then.fault'),
    delayMs: text(body, 'then.delayMs'),
    durationMinutes: text(body, 'durationMinutes'),
    activeUntil: text(body, 'activeUntil'),
    remainingUses: text(body, 'remainingUses'),
  };
}

/** which submit button was pressed; Enter in a text field counts as save */
export function formAction(body: Body): FormAction {
  const action = text(body, 'action');
  if (action === 'preview') return action;
  return rowAction(action) ?? 'save';
}

/** whole numbers as numbers; anything else as typed, so that the schema says what is wrong with it */
function number(value: string): number | string | undefined {
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  return /^-?\d{1,16}$/.test(trimmed) ? Number(trimmed) : trimmed;
}

const optional = (value: string): string | undefined => (value.trim() === '' ? undefined : value.trim());

/** an end time as the schema takes it: one typed without a zone gets GMT+8's */
function endTime(value: string): string | null {
  const typed = optional(value);
  if (typed === undefined) return null;
  const zoneless = ZONELESS_TIME.exec(typed);
  return zoneless ? `${zoneless[1]}T${zoneless[2]}+08:00` : typed;
}

/** `name=value` lines → fields; a line without `=` is reported */
export function parseFieldLines(lines: string): { fields: Record<string, string>; problem: string | null } {
  const entries: Array<[string, string]> = [];
  let problem: string | null = null;
  lines.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    const at = line.indexOf('=');
    if (at < 0) problem ??= `line ${i + 1}: write name=value`;
    else entries.push([line.slice(0, at).trim(), line.slice(at + 1).trim()]);
  });
  // fromEntries, not assignment: a field named "__proto__" must stay a field
  return { fields: Object.fromEntries(entries), problem };
}

function outcomeInput(form: RuleForm, fields: Record<string, string>): Record<string, unknown> {
  const delayMs = number(form.delayMs) ?? 0;
  const error = optional(form.error);
  switch (form.type) {
    case 'business':
      return { type: 'business', resultCode: form.resultCode, error, fields, ...(form.apply ? { apply: true } : {}), delayMs };
    case 'gateway':
      return { type: 'gateway', error, delayMs };
    case 'pending':
      return {
        type: 'pending',
        settleTo: optional(form.settleTo) ?? null,
        settleAfterQueries: number(form.settleAfterQueries) ?? null,
        settleAfterSeconds: number(form.settleAfterSeconds) ?? null,
        error,
        delayMs,
      };
    case 'fault':
      return { type: 'fault', fault: form.fault, error, delayMs };
    default:
      return { type: form.type === '' ? undefined : form.type };
  }
}

export interface RuleInput {
  /** the JSON parseRule takes */
  input: Record<string, unknown>;
  /** the form row of each condition: blank rows are left out of the rule */
  rows: RowMap;
  /** problems found before the schema (the fields lines) */
  errors: Errors;
}

export const NO_CONDITION_MESSAGE =
  'No condition is filled in: this rule would answer every request of its service. Fill in a condition, or tick "Answer every request" to mean it.';

/**
 * The rule JSON the form describes; blank condition rows are dropped. A rule left without any condition is
 * refused unless "Answer every request" is ticked: an untouched row must never make a catch-all rule.
 */
export function ruleInputFromForm(form: RuleForm): RuleInput {
  const { when, whenAny, map: rows } = conditionsFromRows(form.when, form.whenAny);
  const errors: Errors = {};
  if (when.length === 0 && whenAny.length === 0 && !form.everyRequest) errors.when = NO_CONDITION_MESSAGE;
  const { fields, problem } = form.type === 'business' ? parseFieldLines(form.fields) : { fields: {}, problem: null };
  if (problem !== null) errors['then.fields'] = problem;
  const duration = number(form.durationMinutes);
  const input: Record<string, unknown> = {
    ...(form.id === '' ? {} : { id: form.id }),
    ...(form.name.trim() === '' ? {} : { name: form.name }),
    service: form.service,
    partner: form.partner === '' ? null : form.partner,
    priority: number(form.priority) ?? 0,
    enabled: form.enabled,
    activeUntil: endTime(form.activeUntil),
    ...(duration === undefined ? {} : { durationMinutes: duration }),
    remainingUses: number(form.remainingUses) ?? null,
    when,
    ...(whenAny.length > 0 ? { whenAny } : {}),
    then: outcomeInput(form, fields),
  };
  return { input, rows, errors };
}

const FORM_KEYS = new Set([
  'id', 'name', 'service', 'partner', 'priority', 'enabled', 'activeUntil', 'durationMinutes', 'remainingUses', 'when', 'whenAny',
  'then.type', 'then.resultCode', 'then.error', 'then.fields', 'then.apply', 'then.settleTo', 'then.settleAfterQueries',
  'then.settleAfterSeconds', 'then.fault', 'then.delayMs',
]);

/** parseRule's dotted keys → the inputs they belong to (condition indexes back to form rows) */
export function formErrors(errors: Errors, rows: RowMap = { when: [], whenAny: [] }): FormErrors {
  const out: FormErrors = { fields: {}, other: [] };
  const put = (key: string, message: string) => {
    if (!Object.hasOwn(out.fields, key)) out.fields[key] = message;
  };
  for (const [key, message] of Object.entries(errors)) {
    const row = rowErrorKey(key, rows);
    if (row !== null) put(row, message);
    else if (key.startsWith('then.fields.')) put('then.fields', `${key.slice('then.fields.'.length)}: ${message}`);
    else if (FORM_KEYS.has(key)) put(key, message);
    else out.other.push(key === '' || key === 'body' ? message : `${key}: ${message}`);
  }
  return out;
}
