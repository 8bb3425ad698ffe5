// The request log's search form: query string → store filter, the values to show back, and messages.
import { serviceLabel } from '../../core/rules/vocabulary.ts';
import { SERVICE_NAMES } from '../../core/types.ts';
import { REQUEST_OUTCOMES, type RequestLogFilter, type RequestOutcome } from '../../store/records.ts';
import { PAGE_ZONE_OFFSET_MS, one, storable, timeInputValue, withQuery } from './request-format.ts';

export const OUTCOME_LABELS: Readonly<Record<RequestOutcome, string>> = {
  success: 'Success',
  business_failure: 'Business failure',
  gateway_error: 'Gateway error',
};

export interface RequestSearch {
  /** what the form shows back, as typed */
  values: { service: string; partner: string; partner_trans_id: string; outcome: string; from: string; to: string };
  filter: RequestLogFilter;
  errors: Record<string, string>;
}

const TIME = /^(\d{4})-(\d\d)-(\d\d)(?:[T ](\d\d):(\d\d)(?::(\d\d)(?:\.\d{1,3})?)?)?(Z|[+-]\d\d:\d\d)?$/;

/**
 * A time typed in the form (a datetime-local value, in GMT+8 as the pages show times unless it says otherwise) and how
 * far it reaches: a day, a minute or a second, so that "to 12:05" still holds the requests of 12:05:30.
 */
export function parseTimeInput(text: string): { start: Date; end: Date } | null {
  const match = TIME.exec(text.trim());
  if (!match) return null;
  const [, y, mo, d, h, mi, s, zone] = match;
  const fields = [y, mo, d, h ?? '0', mi ?? '0', s ?? '0'].map(Number) as [number, number, number, number, number, number];
  const [year, month, day, hour, minute, second] = fields;
  const utc = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  // Date rolls 2024-02-30 over into March: a value whose fields do not come back was not a real time
  const real =
    utc.getUTCFullYear() === year && utc.getUTCMonth() === month - 1 && utc.getUTCDate() === day &&
    utc.getUTCHours() === hour && utc.getUTCMinutes() === minute && utc.getUTCSeconds() === second;
  if (!real) return null;
  const start = zone === undefined ? new Date(utc.getTime() - PAGE_ZONE_OFFSET_MS) : new Date(text.trim().replace(' ', 'T'));
  if (Number.isNaN(start.getTime())) return null;
  const span = h === undefined ? 86_400_000 : s === undefined ? 60_000 : 1000;
  return { start, end: new Date(start.getTime() + span) };
}

const TIME_MESSAGE = 'Write a time as 2024-01-31 14:05 (or 2024-01-31).';

/** what a datetime-local input can show: a time as typed, else the moment it stands for in GMT+8 */
function shownTime(typed: string, moment: Date): string {
  return /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?$/.test(typed) ? typed : timeInputValue(moment);
}

export function readRequestSearch(query: Record<string, unknown>): RequestSearch {
  const text = (name: string) => (one(query[name]) ?? '').trim();
  const values = {
    service: text('service'),
    partner: text('partner'),
    partner_trans_id: text('partner_trans_id'),
    outcome: text('outcome'),
    from: text('from'),
    to: text('to'),
  };
  const errors: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) if (!storable(value)) errors[name] = 'cannot hold a NUL character';
  const filter: RequestLogFilter = {};
  if (values.service) filter.service = values.service;
  if (values.partner) filter.partner = values.partner;
  if (values.partner_trans_id) filter.partnerTransId = values.partner_trans_id;
  if (values.outcome) {
    if ((REQUEST_OUTCOMES as readonly string[]).includes(values.outcome)) filter.outcome = values.outcome as RequestOutcome;
    else errors.outcome = 'Choose success, business failure or gateway error.';
  }
  if (values.from) {
    const from = parseTimeInput(values.from);
    if (from) {
      filter.from = from.start;
      values.from = shownTime(values.from, from.start);
    } else errors.from = TIME_MESSAGE;
  }
  if (values.to) {
    const to = parseTimeInput(values.to);
    if (to) {
      filter.to = to.end;
      values.to = shownTime(values.to, new Date(to.end.getTime() - 1000));
    } else errors.to = TIME_MESSAGE;
  }
  if (filter.from && filter.to && filter.from >= filter.to) errors.to = 'must be later than "from"';
  const cursor = (value: string | undefined) => (value !== undefined && storable(value) ? value : undefined);
  const before = cursor(one(query.before));
  const after = cursor(one(query.after));
  if (before) filter.before = before;
  else if (after) filter.after = after;
  return { values, filter, errors };
}

/** a link to the log with these search values and a cursor */
export function searchLink(values: RequestSearch['values'], cursor: { before?: string; after?: string } = {}): string {
  return withQuery('/requests', { ...values, ...cursor });
}

/** the four services, and the searched one too when it is something else (a request for an unknown service) */
export function serviceOptions(current: string): Array<{ value: string; label: string }> {
  const options: Array<{ value: string; label: string }> = SERVICE_NAMES.map((name) => ({ value: name, label: `${serviceLabel(name)} — ${name}` }));
  if (current && !options.some((option) => option.value === current)) options.push({ value: current, label: current });
  return options;
}
