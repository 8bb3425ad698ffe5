// The rule form: what a browser posts ↔ the rule JSON parseRule takes, and parseRule's errors back onto the inputs.
// Input names are the rule's own dotted paths (`when.0.op`, `then.resultCode`), so an error key names its input.
import type { Errors } from '../../core/rules/schema.ts';
import { getService } from '../../core/services/index.ts';
import { SERVICES } from '../../core/types.ts';

export interface ConditionRow {
  param: string;
  op: string;
  /** `in` / `not_in`: comma-separated */
  value: string;
}

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

export type FormAction = 'save' | 'preview' | 'add-condition' | { remove: number };

/** errors placed beside their inputs (keyed by input name), and those that fit no input */
export interface FormErrors {
  fields: Record<string, string>;
  other: string[];
}

/** the schema allows 50; a few more rows are kept so that the "at most 50" message can be seen */
const MAX_ROWS = 60;

export const blankRow = (): ConditionRow => ({ param: '', op: 'eq', value: '' });

export function emptyRuleForm(service: string = SERVICES.pay): RuleForm {
  return {
    id: '',
    name: '',
    service,
    partner: '',
    priority: '0',
    enabled: true,
    when: [blankRow()],
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

function text(body: Body, name: string): string {
  if (!Object.hasOwn(body, name)) return '';
  const value = Array.isArray(body[name]) ? (body[name] as unknown[])[0] : body[name];
  return typeof value === 'string' ? value : '';
}

/** the posted form, as typed (nothing validated here) */
export function formFromBody(body: Body): RuleForm {
  const indexes = new Set<number>();
  for (const key of Object.keys(body)) {
    const match = /^when\.(\d{1,4})\.(param|op|value)$/.exec(key);
    if (match) indexes.add(Number(match[1]));
  }
  const when = [...indexes]
    .sort((a, b) => a - b)
    .slice(0, MAX_ROWS)
    .map((i) => ({ param: text(body, `when.${i}.param`).trim(), op: text(body, `when.${i}.op`) || 'eq', value: text(body, `when.${i}.value`) }));
  return {
    id: text(body, 'id').trim(),
    name: text(body, 'name'),
    service: text(body, 'service'),
    partner: text(body, 'partner'),
    priority: text(body, 'priority'),
    enabled: text(body, 'enabled') !== '',
    when,
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
  if (action === 'preview' || action === 'add-condition') return action;
  const remove = /^remove-condition-(\d{1,4})$/.exec(action);
  return remove ? { remove: Number(remove[1]) } : 'save';
}

/** the form after an add/remove button, without JavaScript */
export function applyRowAction(form: RuleForm, action: 'add-condition' | { remove: number }): RuleForm {
  if (action === 'add-condition') return { ...form, when: [...form.when, blankRow()].slice(0, MAX_ROWS) };
  return { ...form, when: form.when.filter((_, i) => i !== action.remove) };
}

/** whole numbers as numbers; anything else as typed, so that the schema says what is wrong with it */
function number(value: string): number | string | undefined {
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  return /^-?\d{1,16}$/.test(trimmed) ? Number(trimmed) : trimmed;
}

const optional = (value: string): string | undefined => (value.trim() === '' ? undefined : value.trim());

function conditionInput(row: ConditionRow): Record<string, unknown> {
  if (row.op === 'present' || row.op === 'absent') return { param: row.param, op: row.op };
  if (row.op === 'in' || row.op === 'not_in') {
    return { param: row.param, op: row.op, value: row.value.split(',').map((item) => item.trim()).filter((item) => item !== '') };
  }
  return { param: row.param, op: row.op, value: row.value.trim() };
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
  /** `rows[k]` is the form row of `when[k]`: blank rows are left out of the rule */
  rows: number[];
  /** problems found before the schema (the fields lines) */
  errors: Errors;
}

/** the rule JSON the form describes; blank condition rows are dropped */
export function ruleInputFromForm(form: RuleForm): RuleInput {
  const rows: number[] = [];
  const when = form.when.flatMap((row, i) => {
    if (row.param === '' && row.value.trim() === '') return [];
    rows.push(i);
    return [conditionInput(row)];
  });
  const { fields, problem } = form.type === 'business' ? parseFieldLines(form.fields) : { fields: {}, problem: null };
  const duration = number(form.durationMinutes);
  const input: Record<string, unknown> = {
    ...(form.id === '' ? {} : { id: form.id }),
    ...(form.name.trim() === '' ? {} : { name: form.name }),
    service: form.service,
    partner: form.partner === '' ? null : form.partner,
    priority: number(form.priority) ?? 0,
    enabled: form.enabled,
    activeUntil: optional(form.activeUntil) ?? null,
    ...(duration === undefined ? {} : { durationMinutes: duration }),
    remainingUses: number(form.remainingUses) ?? null,
    when,
    then: outcomeInput(form, fields),
  };
  return { input, rows, errors: problem === null ? {} : { 'then.fields': problem } };
}

const FORM_KEYS = new Set([
  'id', 'name', 'service', 'partner', 'priority', 'enabled', 'activeUntil', 'durationMinutes', 'remainingUses', 'when',
  'then.type', 'then.resultCode', 'then.error', 'then.fields', 'then.apply', 'then.settleTo', 'then.settleAfterQueries',
  'then.settleAfterSeconds', 'then.fault', 'then.delayMs',
]);

/** parseRule's dotted keys → the inputs they belong to (condition indexes back to form rows) */
export function formErrors(errors: Errors, rows: readonly number[] = []): FormErrors {
  const out: FormErrors = { fields: {}, other: [] };
  const put = (key: string, message: string) => {
    if (!Object.hasOwn(out.fields, key)) out.fields[key] = message;
  };
  for (const [key, message] of Object.entries(errors)) {
    const condition = /^when\.(\d+)(?:\.(param|op|value))?$/.exec(key);
    const row = condition ? rows[Number(condition[1])] : undefined;
    if (condition && row !== undefined) put(`when.${row}.${condition[2] ?? 'param'}`, message);
    else if (key.startsWith('then.fields.')) put('then.fields', `${key.slice('then.fields.'.length)}: ${message}`);
    else if (FORM_KEYS.has(key)) put(key, message);
    else out.other.push(key === '' || key === 'body' ? message : `${key}: ${message}`);
  }
  return out;
}
