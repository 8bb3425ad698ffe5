import type { Knex } from 'knex';
import type { RequestLogEntry, RequestLogFilter } from './records.ts';
import { type Columns, type Prepared, runPrepared } from './prepared.ts';
import { clampLimit, fromJson, toDate, toNumber } from './rows.ts';

interface RequestLogRow {
  id: string;
  at: Date | string;
  partner_at: Date | string | null;
  method: string;
  path: string;
  raw_request: string;
  charset: string | null;
  service: string | null;
  partner: string | null;
  params: unknown;
  is_success: boolean;
  result_code: string | null;
  error: string | null;
  rule_id: string | null;
  response: string | null;
  signed_string: string | null;
  latency_ms: number | string;
  trade_key: string | null;
}

function entryToRow(entry: RequestLogEntry): RequestLogRow {
  return {
    id: entry.id,
    at: entry.at,
    partner_at: entry.partnerAt,
    method: entry.method,
    path: entry.path,
    raw_request: entry.rawRequest,
    charset: entry.charset,
    service: entry.service,
    partner: entry.partner,
    params: entry.params,
    is_success: entry.isSuccess,
    result_code: entry.resultCode,
    error: entry.error,
    rule_id: entry.ruleId,
    response: entry.response,
    signed_string: entry.signedString,
    latency_ms: entry.latencyMs,
    trade_key: entry.tradeKey,
  };
}

/** `\u0000` as an escape in JSON text: after an even run of backslashes (an odd one makes it a literal `\u0000`) */
const ESCAPED_NUL = /(?<!\\)((?:\\\\)*)\\u0000/g;

/**
 * One entry as the JSON of its row, in UTF-8 bytes: what a batch is made of (`appendEncoded`). PostgreSQL's text and
 * jsonb cannot hold U+0000, and a client may send %00: the log is for reading, so such a character, in any value or
 * parameter name, is shown as U+2400 (␀) rather than losing the whole batch. JSON.stringify writes it as `\u0000`,
 * so it is replaced in the text, by one scan of the row (cleaning every field was ~1% of a rule-answered request).
 *
 * Bytes rather than a string: RequestLogWriter encodes each entry within the event-loop turn that answered it, so
 * that the entry's strings die young. A Buffer's bytes lie outside the JavaScript heap, and a batch that waits for
 * its write is no longer copied by every young-generation collection and then promoted. Under the pay load of
 * bench:peers the old generation was collected every ~1.1 s (114 → 28 MB, ~15 KB promoted a request; ~3.4 KB
 * without the log) and a scavenge paused 3.3 ms (p50; p90 5.9, max 14); with the bytes, every 1.2-2.4 s and 2.0 ms
 * (p90 3.3, max 8.7).
 */
export function encodeLogRow(entry: RequestLogEntry): Buffer {
  const json = JSON.stringify(entryToRow(entry));
  return Buffer.from(json.includes('\\u0000') ? json.replace(ESCAPED_NUL, '$1\\u2400') : json, 'utf8');
}

const OPEN = Buffer.from('[');
const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']');

/**
 * The rows as one JSON array. A Buffer parameter goes to PostgreSQL in binary format, which for `json` is the
 * text itself (json_recv), and the driver copies it rather than measuring and encoding a ~600 KB string.
 */
function batchJson(rows: readonly Buffer[]): Buffer {
  const parts: Buffer[] = [OPEN];
  for (const row of rows) {
    if (parts.length > 1) parts.push(COMMA);
    parts.push(row);
  }
  parts.push(CLOSE);
  return Buffer.concat(parts);
}

const LOG_COLUMNS: Columns<RequestLogRow> = [
  ['id', 'text'], ['at', 'timestamptz'], ['partner_at', 'timestamptz'], ['method', 'text'], ['path', 'text'],
  ['raw_request', 'text'], ['charset', 'text'], ['service', 'text'], ['partner', 'text'], ['params', 'jsonb'],
  ['is_success', 'boolean'], ['result_code', 'text'], ['error', 'text'], ['rule_id', 'text'], ['response', 'text'],
  ['signed_string', 'text'], ['latency_ms', 'float8'], ['trade_key', 'text'],
];

/**
 * Any number of entries in one prepared statement with one parameter: the batch as a JSON array of rows, read back
 * by json_to_recordset. Its text and its plan are the same for every batch (a VALUES list of 200 rows had 3,600
 * parameters to parse and plan each time), and JSON.stringify is the cheapest way to put ~2 KB rows on the wire:
 * one text array a column cost the driver ~18 µs an entry (an escaping regex per value), JSON ~8 µs. An id already
 * logged is skipped, so that a retried flush does not fail.
 */
const APPEND: Prepared = {
  name: 'mapi_request_log_append',
  text:
    `insert into request_log (${LOG_COLUMNS.map(([c]) => c).join(', ')}) ` +
    `select * from json_to_recordset($1::json) as r(${LOG_COLUMNS.map(([c, t]) => `${c} ${t}`).join(', ')}) on conflict (id) do nothing`,
};

function appendRows(db: Knex, rows: readonly Buffer[]): Promise<unknown> {
  return runPrepared(db, APPEND, [batchJson(rows)]);
}

function entryFromRow(row: RequestLogRow): RequestLogEntry {
  return {
    id: row.id,
    at: toDate(row.at),
    // rows logged before the column existed: real time is the best there is
    partnerAt: toDate(row.partner_at ?? row.at),
    method: row.method,
    path: row.path,
    rawRequest: row.raw_request,
    charset: row.charset,
    service: row.service,
    partner: row.partner,
    params: fromJson<Record<string, string>>(row.params),
    isSuccess: row.is_success,
    resultCode: row.result_code,
    error: row.error,
    ruleId: row.rule_id,
    response: row.response,
    signedString: row.signed_string,
    latencyMs: Number(row.latency_ms),
    tradeKey: row.trade_key,
  };
}

/** How much of service, partner and trade_key the indexes hold (migration 20261201_005): 200 characters. */
const INDEXED_PREFIX = 200;

/** `column = value`, by the indexed prefix first so that the index is used, whatever the value's length. */
function whereFull(query: Knex.QueryBuilder, column: 'service' | 'partner' | 'trade_key', value: string): void {
  query.whereRaw(`left(${column}, ${INDEXED_PREFIX}) = left(?::text, ${INDEXED_PREFIX})`, [value]).where(column, value);
}

// Rows deleted per statement: a prune of a large backlog never holds long locks or one huge transaction.
const PRUNE_CHUNK = 5_000;

/** The gateway's request log: written in batches by RequestLogWriter, kept bounded by RequestLogRetention. */
export class RequestLogStore {
  constructor(private readonly db: Knex) {}

  /** Appends the entries (see `appendEncoded`). */
  append(entries: readonly RequestLogEntry[]): Promise<{ lost: number; error?: unknown }> {
    return this.appendEncoded(entries.map(encodeLogRow));
  }

  /**
   * Appends rows made by `encodeLogRow` in one statement (all or none); an id already logged is skipped, so a
   * retried flush does not fail. When the batch fails, each row is tried on its own, so that one bad entry cannot
   * take the others with it. Answers how many entries could still not be stored.
   */
  async appendEncoded(entries: readonly Buffer[]): Promise<{ lost: number; error?: unknown }> {
    if (entries.length === 0) return { lost: 0 };
    try {
      await appendRows(this.db, entries);
      return { lost: 0 };
    } catch (batchError) {
      let lost = 0;
      let error: unknown = batchError;
      for (const entry of entries) {
        try {
          await appendRows(this.db, [entry]);
        } catch (rowError) {
          lost += 1;
          error = rowError;
        }
      }
      return lost === 0 ? { lost } : { lost, error };
    }
  }

  /** newest first */
  async list(filter: RequestLogFilter): Promise<RequestLogEntry[]> {
    // after: walk forwards from the cursor, then turn the page round so that it reads newest first like the others
    const order = filter.after !== undefined ? 'asc' : 'desc';
    const query = this.db<RequestLogRow>('request_log')
      .select('*')
      .orderBy([
        { column: 'at', order },
        { column: 'id', order },
      ])
      .limit(clampLimit(filter.limit));
    if (filter.service !== undefined) whereFull(query, 'service', filter.service);
    if (filter.partner !== undefined) whereFull(query, 'partner', filter.partner);
    if (filter.partnerTransId !== undefined) whereFull(query, 'trade_key', filter.partnerTransId);
    if (filter.outcome === 'gateway_error') query.where('is_success', false);
    if (filter.outcome === 'success') query.where('is_success', true).where((q) => q.whereNull('result_code').orWhere('result_code', 'SUCCESS'));
    if (filter.outcome === 'business_failure') query.where('is_success', true).whereNotNull('result_code').whereNot('result_code', 'SUCCESS');
    if (filter.from !== undefined) query.where('at', '>=', filter.from);
    if (filter.since !== undefined) query.whereRaw('(at, id) > (?, ?)', [filter.since.at, filter.since.id]);
    if (filter.to !== undefined) query.where('at', '<', filter.to);
    // An unknown cursor matches nothing, rather than silently restarting from the newest entry.
    if (filter.before !== undefined) {
      query.whereRaw('(at, id) < (select r.at, r.id from request_log r where r.id = ?)', [filter.before]);
    }
    if (filter.after !== undefined) {
      query.whereRaw('(at, id) > (select r.at, r.id from request_log r where r.id = ?)', [filter.after]);
    }
    const rows = (await query) as RequestLogRow[];
    const entries = rows.map(entryFromRow);
    return order === 'asc' ? entries.reverse() : entries;
  }

  async get(id: string): Promise<RequestLogEntry | null> {
    const row = (await this.db<RequestLogRow>('request_log').where('id', id).first()) as RequestLogRow | undefined;
    return row ? entryFromRow(row) : null;
  }

  /** how many entries the log holds */
  async count(): Promise<number> {
    const row = (await this.db('request_log').count({ n: '*' }).first()) as { n: string | number } | undefined;
    return row ? toNumber(row.n) : 0;
  }

  /**
   * Deletes entries older than `before` and those beyond the newest `keep`, oldest first, in chunks. Answers how
   * many went.
   */
  async prune(rule: { keep: number | null; before: Date | null }): Promise<number> {
    const conditions: string[] = [];
    const bindings: Knex.RawBinding[] = [];
    if (rule.before) {
      conditions.push('at < ?');
      bindings.push(rule.before);
    }
    if (rule.keep !== null) {
      // The first entry past the newest `keep`, found once (in the listing order, on its index) and everything at or
      // below it goes. Found again for every chunk, it walked `keep` index entries each time.
      const past = (await this.db.raw('select at::text as at, id from request_log order by at desc, id desc offset ? limit 1', [rule.keep])) as {
        rows: Array<{ at: string; id: string }>;
      };
      const first = past.rows[0];
      if (first) {
        conditions.push('(at, id) <= (?::timestamptz, ?::text)');
        bindings.push(first.at, first.id);
      }
    }
    if (conditions.length === 0) return 0;
    // oldest first, a chunk at a time, each row by its place (ctid): no second lookup of every id in the primary key
    const chunk = `delete from request_log where ctid = any(array(select ctid from request_log where ${conditions.join(' or ')} order by at, id limit ${PRUNE_CHUNK}))`;
    let removed = 0;
    for (;;) {
      const count = Number(((await this.db.raw(chunk, bindings)) as { rowCount: number | null }).rowCount ?? 0);
      removed += count;
      if (count < PRUNE_CHUNK) break;
    }
    // The deleted rows' space is reused only once vacuumed. Autovacuum is throttled and wakes once a minute: under
    // load (bench:memory, ~2,500 requests a second) it fell behind and the log grew past 1.4 GB for 250,000 entries.
    if (removed > 0) await this.db.raw('vacuum request_log');
    return removed;
  }

  /**
   * The log's size on disk: its rows' pages (`heap`), and everything with its indexes and TOAST (`total`). Vacuum
   * makes the rows' pages reusable at once; an index's emptied pages only once no session on the whole server could
   * still need them (a transaction open in another database of a shared server holds them back).
   */
  async diskBytes(): Promise<{ heap: number; total: number }> {
    const result = (await this.db.raw("select pg_relation_size('request_log') as heap, pg_total_relation_size('request_log') as total")) as {
      rows: Array<{ heap: string | number; total: string | number }>;
    };
    const row = result.rows[0]!;
    return { heap: toNumber(row.heap), total: toNumber(row.total) };
  }
}
