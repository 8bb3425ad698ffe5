import type { Knex } from 'knex';
import { finished } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';

/** A statement of the gateway's hot path, prepared once per connection (its name) and planned once. */
export interface Prepared {
  name: string;
  text: string;
}

type PgQuery = { name: string; text: string; values: unknown[] } | string;

interface PgConnection {
  query(query: PgQuery): Promise<{ rows: unknown[] } | Array<{ rows: unknown[] }>>;
  query<S extends ReturnType<typeof copyFrom>>(stream: S): S;
  /** knex's mark for a connection its pool must destroy rather than hand out again */
  __knex__disposed?: unknown;
}

interface PoolClient {
  acquireConnection(): Promise<PgConnection>;
  releaseConnection(connection: PgConnection): Promise<void>;
  emit(event: 'query-error', error: unknown, query: { sql: string }): void;
}

const poolOf = (db: Knex) => db.client as unknown as PoolClient;

/** the columns of a table as a statement writes them: name and PostgreSQL type, in a fixed order */
export type Columns<Row> = Array<[keyof Row & string, string]>;

/** `$1::text, $2::bigint, ...`: one typed parameter a column (from `$from`), for one row's values */
export function parameters(columns: Array<[string, string]>, from = 1): string {
  return columns.map(([, type], i) => `$${i + from}::${type}`).join(', ');
}

/**
 * `(select $1::text[]), (select $2::bigint[]), ...`: one array parameter a column (from `$from`), the argument list
 * of an `unnest` of a batch.
 *
 * Each array is a sub-select so that its length is as unknown to a custom plan as to the generic one. A bare
 * `unnest($1::text[])` is planned for the array's real length in a custom plan and for 10 rows in the generic one;
 * after the first five runs on a connection PostgreSQL keeps whichever cost less, so when those runs had short
 * batches (a quiet start, a test suite) the generic plan looked dearer and the statement was planned again at every
 * run, for good: 0 generic plans in 5,200 runs for the trade-and-refund read (PostgreSQL 18) and for the
 * compare-and-set (15), planning ~0.2 ms against ~0.1 ms to run. Both estimates equal, the generic plan wins
 * (it has no planning to pay) and every later run reuses it. An uncorrelated sub-select runs once a statement.
 */
export function arrayParameters(columns: Array<[string, string]>, from = 1): string {
  return columns.map(([, type], i) => `(select $${i + from}::${type}[])`).join(', ');
}

/** one row's values in the order of `columns` (the values for `parameters`) */
export function columnValues<Row>(columns: Columns<Row>, row: Row): unknown[] {
  return columns.map(([column]) => row[column]);
}

/** rows as one array a column, in the order of `columns` (the values for `arrayParameters`); a null row gives nulls */
export function columnArrays<Row>(columns: Columns<Row>, rows: ReadonlyArray<Row | null>): unknown[][] {
  return columns.map(([column]) => rows.map((row) => (row == null ? null : row[column])));
}

/** one query on a held connection; a failure is told to knex's `query-error` listeners like any other query's */
async function execute(client: PoolClient, connection: PgConnection, query: PgQuery): Promise<unknown[]> {
  try {
    const result = await connection.query(query);
    return Array.isArray(result) ? result.flatMap((r) => r.rows) : result.rows;
  } catch (error) {
    client.emit('query-error', error, { sql: typeof query === 'string' ? query : query.text });
    throw error;
  }
}

const named = (statement: Prepared, values: unknown[]): PgQuery => ({ name: statement.name, text: statement.text, values });

/**
 * Runs a named statement on a connection of knex's pool. knex sends every query unnamed, so PostgreSQL parses and
 * plans it each time: for a lookup by primary key that is ~100 µs of the server's CPU against ~20 µs to run it
 * (measured on the embedded server). Named, a connection parses it once and, after a few runs, keeps a generic plan.
 *
 * Only for statements whose text never changes (values go in $n, arrays through unnest), so that each name stands
 * for one text. The metrics count its failures (knex's `query-error`); a failure's message holds no values.
 */
export async function runPrepared<Row>(db: Knex, statement: Prepared, values: unknown[]): Promise<Row[]> {
  const client = poolOf(db);
  const connection = await client.acquireConnection();
  try {
    return (await execute(client, connection, named(statement, values))) as Row[];
  } finally {
    await client.releaseConnection(connection);
  }
}

/**
 * `COPY ... FROM STDIN` of `data` (rows in the format `sql` names) on a connection of knex's pool, as one statement:
 * all the rows or none. A failure is told to knex's `query-error` listeners like any other query's.
 */
export async function runCopy(db: Knex, sql: string, data: Buffer): Promise<void> {
  const client = poolOf(db);
  const connection = await client.acquireConnection();
  try {
    const stream = connection.query(copyFrom(sql));
    stream.end(data);
    await finished(stream);
  } catch (error) {
    client.emit('query-error', error, { sql });
    throw error;
  } finally {
    await client.releaseConnection(connection);
  }
}

/** What runs inside `inTransaction`: prepared statements, and plain SQL (several statements, values inlined). */
export interface Tx {
  run<Row>(statement: Prepared, values: unknown[]): Promise<Row[]>;
  /** simple-protocol SQL: no parameters (escape every value with pg's escapeLiteral), several statements allowed */
  plain(sql: string): Promise<void>;
}

/**
 * A transaction on one connection of the pool, without knex's transaction machinery (~13% of a refund's main-thread
 * time in bench:profile: a client and a knex instance made per transaction, BEGIN and COMMIT through its runner).
 * BEGIN goes with the first statement when that one is plain SQL (one round trip fewer); COMMIT when `fn` resolves,
 * ROLLBACK when it throws. A connection whose ROLLBACK fails is destroyed rather than handed out again.
 */
export async function inTransaction<T>(db: Knex, fn: (tx: Tx) => Promise<T>): Promise<T> {
  const client = poolOf(db);
  const connection = await client.acquireConnection();
  let begun = false;
  const tx: Tx = {
    async run<Row>(statement: Prepared, values: unknown[]) {
      if (!begun) {
        begun = true;
        await execute(client, connection, 'begin');
      }
      return (await execute(client, connection, named(statement, values))) as Row[];
    },
    async plain(sql) {
      const first = !begun;
      begun = true;
      await execute(client, connection, first ? `begin; ${sql}` : sql);
    },
  };
  try {
    const result = await fn(tx);
    if (begun) await execute(client, connection, 'commit');
    return result;
  } catch (error) {
    if (begun) {
      await execute(client, connection, 'rollback').catch((rollbackError: unknown) => {
        connection.__knex__disposed = rollbackError;
      });
    }
    throw error;
  } finally {
    await client.releaseConnection(connection);
  }
}
