import type { Knex } from 'knex';
import type { RequestLogEntry, RequestLogFilter } from './records.ts';
import { type Columns, runCopy } from './prepared.ts';
import { clampLimit, fromJson, isUniqueViolation, toDate, toNumber } from './rows.ts';

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

const LOG_COLUMNS: Columns<RequestLogRow> = [
  ['id', 'text'], ['at', 'timestamptz'], ['partner_at', 'timestamptz'], ['method', 'text'], ['path', 'text'],
  ['raw_request', 'text'], ['charset', 'text'], ['service', 'text'], ['partner', 'text'], ['params', 'jsonb'],
  ['is_success', 'boolean'], ['result_code', 'text'], ['error', 'text'], ['rule_id', 'text'], ['response', 'text'],
  ['signed_string', 'text'], ['latency_ms', 'float8'], ['trade_key', 'text'],
];

/** a text value as PostgreSQL can store it: U+0000, which its text cannot hold, is shown as U+2400 (␀) */
const storable = (text: string) => (text.includes('\u0000') ? text.replaceAll('\u0000', '\u2400') : text);

/** the same in JSON text, where JSON.stringify wrote U+0000 as `\u0000` (which jsonb refuses) */
const storableJson = (json: string) => (json.includes('\\u0000') ? json.replace(ESCAPED_NUL, '$1\\u2400') : json);

/** PostgreSQL's timestamps count microseconds from 2000-01-01 UTC */
const PG_EPOCH_MS = Date.UTC(2000, 0, 1);
const TWO_32 = 2 ** 32;

/** where rows are put together before each is copied out at its size (grown when a row needs more) */
let scratch = Buffer.allocUnsafe(64 * 1024);
const MAX_SCRATCH = 1024 * 1024;

/**
 * One entry as its row of COPY's binary format, in LOG_COLUMNS' order: a field count, then each field as its length
 * and bytes (-1 for NULL): text as UTF-8, jsonb as version 1 and JSON text, timestamptz as microseconds from 2000,
 * float8 and boolean as themselves. What a batch is made of (`appendEncoded`). The log is for reading, so a
 * character PostgreSQL cannot store (U+0000, which a client may send as %00), in any value or parameter name, is
 * shown as U+2400 (␀) rather than losing the whole batch; an invalid date is NULL, which the table refuses.
 *
 * Binary rather than text, JSON or parameters: with 200 rows of a pay's size (~2.9 KB) a statement, against a
 * PostgreSQL server, the backend's CPU a row was 37-57 µs for one INSERT ... SELECT FROM json_to_recordset($1) ON
 * CONFLICT DO NOTHING (the batch as a JSON array; before), 19-21 µs for COPY of text rows and 12-13 µs for binary
 * ones; the mock's own to encode a row ~9 µs as JSON, ~7.6 as COPY text (a scan for the characters to escape in
 * every value) and ~4.8 as binary.
 *
 * Bytes rather than a string: RequestLogWriter encodes each entry within the event-loop turn that answered it, so
 * that the entry's strings die young. A Buffer's bytes lie outside the JavaScript heap, and a batch that waits for
 * its write is no longer copied by every young-generation collection and then promoted. Under the pay load of
 * bench:peers the old generation was collected every ~1.1 s (114 → 28 MB, ~15 KB promoted a request; ~3.4 KB
 * without the log) and a scavenge paused 3.3 ms (p50; p90 5.9, max 14); with the bytes, every 1.2-2.4 s and 2.0 ms
 * (p90 3.3, max 8.7).
 */
export function encodeLogRow(entry: RequestLogEntry): Buffer {
  const row = entryToRow(entry);
  const texts: Array<string | null> = [];
  let size = 2;
  for (const [column, type] of LOG_COLUMNS) {
    const value = row[column];
    let text: string | null = null;
    size += 4;
    if (type === 'timestamptz' || type === 'float8') size += 8;
    else if (type === 'boolean') size += 1;
    else if (value !== null && value !== undefined) {
      text = type === 'jsonb' ? storableJson(JSON.stringify(value)) : storable(String(value));
      size += 1 + 3 * text.length; // UTF-8 takes at most 3 bytes for each UTF-16 unit
    }
    texts.push(text);
  }
  // a row larger than the scratch (a request of a few hundred KB) gets a buffer of its own, which is not kept
  if (size > scratch.length && size <= MAX_SCRATCH) scratch = Buffer.allocUnsafe(Math.min(2 * size, MAX_SCRATCH));
  const out = size <= scratch.length ? scratch : Buffer.allocUnsafe(size);
  let at = out.writeInt16BE(LOG_COLUMNS.length, 0);
  LOG_COLUMNS.forEach(([column, type], i) => {
    const value = row[column];
    const text = texts[i];
    if (text != null) {
      // jsonb's binary form is a version byte (1) before the JSON text
      const version = type === 'jsonb' ? 1 : 0;
      if (version) out[at + 4] = 1;
      const length = version + out.write(text, at + 4 + version, 'utf8');
      out.writeInt32BE(length, at);
      at += 4 + length;
    } else if (value instanceof Date && !Number.isNaN(value.getTime())) {
      const micros = (value.getTime() - PG_EPOCH_MS) * 1000;
      const high = Math.floor(micros / TWO_32);
      at = out.writeInt32BE(8, at);
      at = out.writeInt32BE(high, at);
      at = out.writeUInt32BE(micros - high * TWO_32, at);
    } else if (type === 'float8' && typeof value === 'number') {
      at = out.writeInt32BE(8, at);
      at = out.writeDoubleBE(value, at);
    } else if (type === 'boolean' && value !== null && value !== undefined) {
      at = out.writeInt32BE(1, at);
      at = out.writeUInt8(value ? 1 : 0, at);
    } else at = out.writeInt32BE(-1, at);
  });
  return Buffer.from(out.subarray(0, at));
}

const COPY_HEADER = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)]);
const COPY_TRAILER = Buffer.from([0xff, 0xff]);

/**
 * A batch goes to the table by one COPY (all rows or none). COPY has no ON CONFLICT: a batch that fails is written
 * again one row at a time, where a duplicate id (a retried batch that had been stored after all) is a row already
 * there.
 */
const COPY = `copy request_log (${LOG_COLUMNS.map(([c]) => c).join(', ')}) from stdin (format binary)`;

function appendRows(db: Knex, rows: readonly Buffer[]): Promise<void> {
  return runCopy(db, COPY, Buffer.concat([COPY_HEADER, ...rows, COPY_TRAILER]));
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

/** what `appendEncoded` did with a batch: rows refused (`lost`, with the last `error`) and rows to try again later */
export interface AppendResult {
  lost: number;
  unwritten: Buffer[];
  error?: unknown;
}

/** The gateway's request log: written in batches by RequestLogWriter, kept bounded by RequestLogRetention. */
export class RequestLogStore {
  constructor(private readonly db: Knex) {}

  /** Appends the entries (see `appendEncoded`). */
  append(entries: readonly RequestLogEntry[]): Promise<AppendResult> {
    return this.appendEncoded(entries.map(encodeLogRow));
  }

  /**
   * Appends rows made by `encodeLogRow` in one statement (all or none). When the batch fails, each row is tried on
   * its own, so that one bad entry cannot take the others with it; an id already logged is skipped, so a retried
   * batch does not fail. A row the database refuses is `lost`. When a failure came with the database out of reach
   * (`reachable` answers false), the rows not stored yet are `unwritten`, to be written when it is back.
   */
  async appendEncoded(entries: readonly Buffer[], reachable?: () => Promise<boolean>): Promise<AppendResult> {
    if (entries.length === 0) return { lost: 0, unwritten: [] };
    const away = async () => (reachable ? !(await reachable()) : false);
    try {
      await appendRows(this.db, entries);
      return { lost: 0, unwritten: [] };
    } catch (batchError) {
      if (await away()) return { lost: 0, unwritten: [...entries], error: batchError };
      let lost = 0;
      let error: unknown;
      for (const [i, entry] of entries.entries()) {
        try {
          await appendRows(this.db, [entry]);
        } catch (rowError) {
          if (isUniqueViolation(rowError)) continue; // a row of that id is in the log already
          if (await away()) return { lost, unwritten: entries.slice(i), error: rowError };
          lost += 1;
          error = rowError;
        }
      }
      return lost === 0 ? { lost, unwritten: [] } : { lost, unwritten: [], error };
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
