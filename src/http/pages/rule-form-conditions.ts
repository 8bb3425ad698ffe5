// The rule form's condition rows: `when.N.*` (all must hold) and the any-of groups `whenAny.G.N.*` (one group must
// hold in full), read from a posted body, changed by the add/remove buttons, turned into conditions, and
// parseRule's error keys (which count only the rows that were filled in) mapped back onto the rows typed.

export interface ConditionRow {
  param: string;
  op: string;
  /** `in` / `not_in`: comma-separated */
  value: string;
}

/** the schema allows 50; a few more rows are kept so that the "at most 50" message can be seen */
export const MAX_ROWS = 60;
const MAX_GROUPS = 25;

export const blankRow = (): ConditionRow => ({ param: '', op: 'eq', value: '' });

/** a row nobody typed into: dropped, never read as "every request" */
export const isBlankRow = (row: ConditionRow): boolean => row.param === '' && row.value.trim() === '';

export type RowAction =
  | { add: 'when' }
  | { add: 'group' }
  | { add: number }
  | { remove: number; group: number | null }
  | { removeGroup: number };

type Body = Record<string, unknown>;

function text(body: Body, name: string): string {
  if (!Object.hasOwn(body, name)) return '';
  const value = Array.isArray(body[name]) ? (body[name] as unknown[])[0] : body[name];
  return typeof value === 'string' ? value : '';
}

function readRows(body: Body, prefix: string, indexes: Iterable<number>): ConditionRow[] {
  return [...new Set(indexes)]
    .sort((a, b) => a - b)
    .slice(0, MAX_ROWS)
    .map((i) => ({
      param: text(body, `${prefix}.${i}.param`).trim(),
      op: text(body, `${prefix}.${i}.op`) || 'eq',
      value: text(body, `${prefix}.${i}.value`),
    }));
}

/** the rows of `when` and of each any-of group, in the order their inputs are numbered */
export function conditionRowsFromBody(body: Body): { when: ConditionRow[]; whenAny: ConditionRow[][] } {
  const when: number[] = [];
  const groups = new Map<number, number[]>();
  for (const key of Object.keys(body)) {
    const plain = /^when\.(\d{1,4})\.(?:param|op|value)$/.exec(key);
    if (plain) when.push(Number(plain[1]));
    const grouped = /^whenAny\.(\d{1,2})\.(\d{1,4})\.(?:param|op|value)$/.exec(key);
    if (grouped) {
      const g = Number(grouped[1]);
      groups.set(g, [...(groups.get(g) ?? []), Number(grouped[2])]);
    }
  }
  const whenAny = [...groups.keys()]
    .sort((a, b) => a - b)
    .slice(0, MAX_GROUPS)
    .map((g) => readRows(body, `whenAny.${g}`, groups.get(g)!));
  return { when: readRows(body, 'when', when), whenAny };
}

/** the add/remove button pressed, if any (button values are `add-condition`, `remove-group-condition-G-N`, ...) */
export function rowAction(action: string): RowAction | null {
  if (action === 'add-condition') return { add: 'when' };
  if (action === 'add-group') return { add: 'group' };
  let m = /^add-group-condition-(\d{1,2})$/.exec(action);
  if (m) return { add: Number(m[1]) };
  m = /^remove-condition-(\d{1,4})$/.exec(action);
  if (m) return { remove: Number(m[1]), group: null };
  m = /^remove-group-condition-(\d{1,2})-(\d{1,4})$/.exec(action);
  if (m) return { remove: Number(m[2]), group: Number(m[1]) };
  m = /^remove-group-(\d{1,2})$/.exec(action);
  return m ? { removeGroup: Number(m[1]) } : null;
}

/** the rows after a button, without JavaScript */
export function applyRowAction<T extends { when: ConditionRow[]; whenAny: ConditionRow[][] }>(form: T, action: RowAction): T {
  const { when, whenAny } = form;
  if ('add' in action) {
    if (action.add === 'when') return { ...form, when: [...when, blankRow()].slice(0, MAX_ROWS) };
    if (action.add === 'group') return { ...form, whenAny: [...whenAny, [blankRow()]].slice(0, MAX_GROUPS) };
    const g = action.add;
    return { ...form, whenAny: whenAny.map((rows, i) => (i === g ? [...rows, blankRow()].slice(0, MAX_ROWS) : rows)) };
  }
  if ('removeGroup' in action) return { ...form, whenAny: whenAny.filter((_, i) => i !== action.removeGroup) };
  if (action.group === null) return { ...form, when: when.filter((_, i) => i !== action.remove) };
  const g = action.group;
  // a group left without a row is gone: an empty group would be refused, not read as "always"
  const next = whenAny.map((rows, i) => (i === g ? rows.filter((_, k) => k !== action.remove) : rows)).filter((rows) => rows.length > 0);
  return { ...form, whenAny: next };
}

function conditionInput(row: ConditionRow): Record<string, unknown> {
  if (row.op === 'present' || row.op === 'absent') return { param: row.param, op: row.op };
  if (row.op === 'in' || row.op === 'not_in') {
    return { param: row.param, op: row.op, value: row.value.split(',').map((item) => item.trim()).filter((item) => item !== '') };
  }
  return { param: row.param, op: row.op, value: row.value.trim() };
}

/** which form row each condition of the rule came from: `when[k]` is row `when[k]`; `whenAny[j][k]` likewise */
export interface RowMap {
  when: number[];
  /** per kept group: its form group index and its rows */
  whenAny: Array<{ group: number; rows: number[] }>;
}

/** the conditions the rows describe; blank rows are dropped, and a group of blank rows with them */
export function conditionsFromRows(when: readonly ConditionRow[], whenAny: readonly ConditionRow[][]) {
  const map: RowMap = { when: [], whenAny: [] };
  const keep = (rows: readonly ConditionRow[], into: number[]) =>
    rows.flatMap((row, i) => {
      if (isBlankRow(row)) return [];
      into.push(i);
      return [conditionInput(row)];
    });
  const conditions = keep(when, map.when);
  const groups = whenAny.flatMap((rows, group) => {
    const kept: number[] = [];
    const conditionsOfGroup = keep(rows, kept);
    if (conditionsOfGroup.length === 0) return [];
    map.whenAny.push({ group, rows: kept });
    return [conditionsOfGroup];
  });
  return { when: conditions, whenAny: groups, map };
}

/** a parseRule key of a condition (`when.0.op`, `whenAny.1.0.value`) → the input it belongs to, or null */
export function rowErrorKey(key: string, map: RowMap): string | null {
  const plain = /^when\.(\d+)(?:\.(param|op|value))?$/.exec(key);
  if (plain) {
    const row = map.when[Number(plain[1])];
    return row === undefined ? null : `when.${row}.${plain[2] ?? 'param'}`;
  }
  const grouped = /^whenAny\.(\d+)(?:\.(\d+)(?:\.(param|op|value))?)?$/.exec(key);
  if (!grouped) return null;
  const kept = map.whenAny[Number(grouped[1])];
  if (!kept) return null;
  const row = grouped[2] === undefined ? kept.rows[0] : kept.rows[Number(grouped[2])];
  return row === undefined ? null : `whenAny.${kept.group}.${row}.${grouped[3] ?? 'param'}`;
}
