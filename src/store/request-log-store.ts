import type { Knex } from 'knex';
import { rawRequestParams } from '../core/raw-request.ts';
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

/**
 * The rows are written one after the other into a slab and handed out as views of it: a copy of each row into a
 * Buffer of its own (from Node's 8 KB pool, a new pool every third row) cost ~0.5 µs of the ~5 µs a row. A slab is
 * let go once its last row is written; a row too large for one (a request of a few hundred KB) gets a buffer of its
 * own.
 */
const SLAB_BYTES = 256 * 1024;
let slab = Buffer.allocUnsafe(SLAB_BYTES);
let slabUsed = 0;

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
  // Written out column by column in LOG_COLUMNS' order (a loop over the columns with a row object in between cost
  // ~5.8 µs a pay-sized row against ~5.0 µs: megamorphic loads and a type test for every value).
  // parameters the text of the request gives back are not stored twice (core/raw-request.ts)
  const params = entry.paramsInRawRequest ? null : storableJson(JSON.stringify(entry.params));
  const { id, method, path, rawRequest, charset, service, partner, resultCode, error, ruleId, response, signedString, tradeKey } = entry;
  // UTF-8 takes at most 3 bytes for each UTF-16 unit
  const size =
    FIXED_ROW_BYTES +
    3 *
      (id.length + method.length + path.length + rawRequest.length + textLength(charset) + textLength(service) + textLength(partner) +
        textLength(params) + textLength(resultCode) + textLength(error) + textLength(ruleId) + textLength(response) +
        textLength(signedString) + textLength(tradeKey));
  const own = size > SLAB_BYTES;
  if (!own && slabUsed + size > SLAB_BYTES) {
    slab = Buffer.allocUnsafe(SLAB_BYTES);
    slabUsed = 0;
  }
  const out = own ? Buffer.allocUnsafe(size) : slab;
  const start = own ? 0 : slabUsed;
  let at = out.writeInt16BE(LOG_COLUMNS.length + 1, start);
  // the part the row goes to: chosen when it is written (stampPart)
  at = out.writeInt32BE(4, at);
  at = out.writeInt32BE(UNSTAMPED, at);
  at = putText(out, at, id);
  at = putTime(out, at, entry.at);
  at = putTime(out, at, entry.partnerAt);
  at = putText(out, at, method);
  at = putText(out, at, path);
  at = putText(out, at, rawRequest);
  at = putText(out, at, charset);
  at = putText(out, at, service);
  at = putText(out, at, partner);
  if (params === null) at = out.writeInt32BE(-1, at);
  else {
    // jsonb's binary form is a version byte (1) before the JSON text
    out[at + 4] = 1;
    const paramsLength = 1 + out.write(params, at + 5, 'utf8');
    out.writeInt32BE(paramsLength, at);
    at += 4 + paramsLength;
  }
  at = out.writeInt32BE(1, at);
  at = out.writeUInt8(entry.isSuccess ? 1 : 0, at);
  at = putText(out, at, resultCode);
  at = putText(out, at, error);
  at = putText(out, at, ruleId);
  at = putText(out, at, response);
  at = putText(out, at, signedString);
  at = out.writeInt32BE(8, at);
  at = out.writeDoubleBE(entry.latencyMs, at);
  at = putText(out, at, tradeKey);
  if (own) return Buffer.from(out.subarray(0, at));
  slabUsed = at;
  return out.subarray(start, at);
}

/** the field count, `gen`, the length words of LOG_COLUMNS, the two timestamps, the float, the boolean, jsonb's version */
const FIXED_ROW_BYTES = 2 + 8 + 4 * LOG_COLUMNS.length + 8 * 3 + 1 + 1;

const textLength = (text: string | null) => (text === null ? 0 : text.length);

/** a text field: its length and its UTF-8 bytes, U+0000 shown as U+2400 (storable); -1 for NULL */
function putText(out: Buffer, at: number, text: string | null): number {
  if (text === null) return out.writeInt32BE(-1, at);
  const length = out.write(storable(text), at + 4, 'utf8');
  out.writeInt32BE(length, at);
  return at + 4 + length;
}

/** a timestamptz field: microseconds from 2000-01-01 UTC as int8; NULL for an invalid date (the table refuses it) */
function putTime(out: Buffer, at: number, value: Date): number {
  const ms = value.getTime();
  if (Number.isNaN(ms)) return out.writeInt32BE(-1, at);
  const micros = (ms - PG_EPOCH_MS) * 1000;
  const high = Math.floor(micros / TWO_32);
  at = out.writeInt32BE(8, at);
  at = out.writeInt32BE(high, at);
  return out.writeUInt32BE(micros - high * TWO_32, at);
}

const COPY_HEADER = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)]);
const COPY_TRAILER = Buffer.from([0xff, 0xff]);

/**
 * A batch goes to the table by one COPY (all rows or none). COPY has no ON CONFLICT: a batch that fails is written
 * again one row at a time, where a duplicate id (a retried batch that had been stored after all) is a row already
 * there.
 */
const COPY = `copy request_log (gen, ${LOG_COLUMNS.map(([c]) => c).join(', ')}) from stdin (format binary)`;

/** where a row's first field, `gen` (int4: its length, then its value), has its value: after the field count and length */
const GEN_OFFSET = 6;
const UNSTAMPED = -1;

/** `gen` of a row made by encodeLogRow: `force` sets it even when it was set before */
function stampPart(rows: readonly Buffer[], gen: number, force: boolean): void {
  for (const row of rows) if (force || row.readInt32BE(GEN_OFFSET) === UNSTAMPED) row.writeInt32BE(gen, GEN_OFFSET);
}

function appendRows(db: Knex, rows: readonly Buffer[]): Promise<void> {
  return runCopy(db, COPY, Buffer.concat([COPY_HEADER, ...rows, COPY_TRAILER]));
}

/** PostgreSQL's answer to a row whose part is not there (dropped since the row was stamped) */
const isNoPart = (error: unknown) =>
  (error as { code?: string })?.code === '23514' && String((error as Error).message).includes('no partition');

/** the wide columns without statistics (migration 011): no query filters or sorts by them */
const WIDE_COLUMNS = ['raw_request', 'response', 'params', 'signed_string'];

const partTable = (gen: number) => `request_log_g${gen}`;

/**
 * A part's storage settings (migration 013 gives the parts made before them the autovacuum ones). Rows kept whole in
 * their page (migration 011). No autovacuum: a part is only ever appended to and then dropped whole, so it never
 * holds a dead row for a vacuum to find, and no query of the log needs its statistics (they are listed by the
 * (at, id) index). Autovacuum still came for every few thousand rows inserted (PostgreSQL 13's insert threshold)
 * to read the part's pages again and mark them visible and frozen, and analyzed it on the way: with the embedded
 * database under bench:profile's rule-answered load, PostgreSQL's CPU a request 29-33 -> 24-26 µs. A part lives
 * far shorter than the transactions after which PostgreSQL vacuums a table against wraparound whatever it is told.
 */
const PART_STORAGE = 'toast_tuple_target = 8160, autovacuum_enabled = false, toast.autovacuum_enabled = false';

// The two-key form of advisory locks (migrate.ts takes [.., 1]): one instance at a time changes the parts.
const PARTS_LOCK = [0x6d617069, 2] as const;

/** What the retention keeps (RequestLogRetention): null, no limit of that kind. */
export interface PartsRule {
  keep: number | null;
  /** entries older than this go */
  before: Date | null;
  /** a part is sealed once it holds this many rows (a tenth of `keep`) ... */
  partRows: number | null;
  /** ... or once its oldest entry is older than this (a 24th of the age limit) */
  partSince: Date | null;
}

interface PartRow {
  gen: number;
  sealed_rows: string | number | null;
  sealed_newest: Date | string | null;
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
    // not stored when the request's text gives them back (encodeLogRow)
    params: row.params === null ? (rawRequestParams(row.raw_request) ?? {}) : fromJson<Record<string, string>>(row.params),
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

/** what `appendEncoded` did with a batch: rows refused (`lost`, with the last `error`) and rows to try again later */
export interface AppendResult {
  lost: number;
  unwritten: Buffer[];
  error?: unknown;
}

/** The gateway's request log: written in batches by RequestLogWriter, kept bounded by RequestLogRetention. */
export class RequestLogStore {
  /** the part new rows go to, as last read (null: not read yet) */
  private gen: number | null = null;

  constructor(private readonly db: Knex) {}

  private async readCurrentPart(): Promise<number> {
    const result = (await this.db.raw('select max(gen) as gen from request_log_parts')) as { rows: Array<{ gen: number | null }> };
    this.gen = result.rows[0]?.gen ?? 0;
    return this.gen;
  }

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
      stampPart(entries, this.gen ?? (await this.readCurrentPart()), false);
      try {
        await appendRows(this.db, entries);
      } catch (error) {
        // a part dropped since these rows were stamped (by another instance, or after an outage): none of them
        // was stored (one statement), so they all go to the current part
        if (!isNoPart(error)) throw error;
        stampPart(entries, await this.readCurrentPart(), true);
        await appendRows(this.db, entries);
      }
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
   * Applies the retention to the log's parts, under a lock that one instance holds at a time: the current part is
   * sealed (and a new one begun) once it holds `partRows` rows or its oldest entry is older than `partSince`; a
   * sealed part is dropped whole once the parts newer than it hold `keep` rows, or once its newest entry is older
   * than `before`. Answers how many entries went (as counted when their parts were sealed).
   *
   * A part is dropped rather than its rows deleted: no row-by-row delete, and no vacuum after it. What this gives
   * up is exactness: the log keeps between `keep` and `keep` plus a part (and what came meanwhile) of entries, and
   * entries up to a part's span older than `before`. Changing a part waits for the table's readers and writers of
   * the moment; when that takes over a second (a long listing), the change waits for the next round.
   */
  async prune(rule: PartsRule): Promise<number> {
    try {
      const { current, removed } = await this.db.transaction(async (trx) => {
        await trx.raw('select pg_advisory_xact_lock(?, ?)', [...PARTS_LOCK]);
        await trx.raw("set local lock_timeout = '1s'");
        const parts = ((await trx.raw('select gen, sealed_rows, sealed_newest from request_log_parts order by gen desc')) as { rows: PartRow[] }).rows;
        let current = parts[0]!.gen;
        const stats = ((await trx.raw(`select count(*) as n, min(at) as oldest, max(at) as newest from ${partTable(current)}`)) as {
          rows: Array<{ n: string | number; oldest: Date | null; newest: Date | null }>;
        }).rows[0]!;
        let currentRows = toNumber(stats.n);
        const full = rule.partRows !== null && currentRows >= rule.partRows;
        const old = rule.partSince !== null && stats.oldest !== null && toDate(stats.oldest) < rule.partSince;
        let sealed = parts.slice(1).map((part) => ({
          gen: part.gen,
          rows: toNumber(part.sealed_rows ?? 0),
          newest: part.sealed_newest === null ? null : toDate(part.sealed_newest),
        }));
        if (currentRows > 0 && (full || old)) {
          await trx.raw('update request_log_parts set sealed_rows = ?, sealed_newest = ? where gen = ?', [currentRows, stats.newest, current]);
          sealed = [{ gen: current, rows: currentRows, newest: stats.newest === null ? null : toDate(stats.newest) }, ...sealed];
          current += 1;
          currentRows = 0;
          await trx.raw('insert into request_log_parts (gen) values (?)', [current]);
          await trx.raw(`create table ${partTable(current)} partition of request_log for values in (${current}) with (${PART_STORAGE})`);
          await trx.raw(`alter table ${partTable(current)} ${WIDE_COLUMNS.map((column) => `alter column ${column} set statistics 0`).join(', ')}`);
        }
        let newer = currentRows;
        let removed = 0;
        for (const part of sealed) {
          const beyondCount = rule.keep !== null && newer >= rule.keep;
          const beyondAge = rule.before !== null && part.newest !== null && part.newest < rule.before;
          if (beyondCount || beyondAge) {
            await trx.raw(`drop table ${partTable(part.gen)}`);
            await trx.raw('delete from request_log_parts where gen = ?', [part.gen]);
            removed += part.rows;
          } else newer += part.rows;
        }
        return { current, removed };
      });
      // the part written to from now on, whether this instance or another one changed it
      this.gen = current;
      return removed;
    } catch (error) {
      // a reader or writer held the table for over a second: the next round tries again
      if ((error as { code?: string })?.code === '55P03') return 0;
      throw error;
    }
  }

  /**
   * The log's size on disk, all its parts: their rows' pages (`heap`), and everything with their indexes and TOAST
   * (`total`). A part dropped gives its space back at once.
   */
  async diskBytes(): Promise<{ heap: number; total: number }> {
    const result = (await this.db.raw(
      "select coalesce(sum(pg_relation_size(relid)), 0) as heap, coalesce(sum(pg_total_relation_size(relid)), 0) as total from pg_partition_tree('request_log') where isleaf",
    )) as {
      rows: Array<{ heap: string | number; total: string | number }>;
    };
    const row = result.rows[0]!;
    return { heap: toNumber(row.heap), total: toNumber(row.total) };
  }
}
