import type { Knex } from 'knex';
import pg from 'pg';
import type { PendingInfo, Refund, Trade, TradeState } from '../core/types.ts';
import type { TradeFilter, TradeReader, TradeTx } from './records.ts';
import { clampLimit, fromJson, toDate, toDateOrNull, toNumber } from './rows.ts';
import { takeRuleUse } from './rule-store.ts';
import { Coalescer } from './coalesce.ts';
import { arrayParameters, type Columns, columnArrays, columnValues, inTransaction, parameters, type Prepared, runPrepared, type Tx } from './prepared.ts';

interface TradeRow {
  partner: string;
  partner_trans_id: string;
  alipay_trans_id: string;
  state: string;
  currency: string;
  amount: string | number;
  refunded: string | number;
  exchange_rate: string;
  amount_cny: string;
  trans_name: string;
  buyer_identity_code: string;
  buyer_login_id: string;
  buyer_user_id: string;
  created_at: Date | string;
  paid_at: Date | string | null;
  closed_at: Date | string | null;
  close_reason: string | null;
  pending: unknown;
  query_count: number;
  notify_url: string | null;
  notify_charset: string | null;
}

interface RefundRow {
  partner: string;
  partner_refund_id: string;
  partner_trans_id: string;
  alipay_trans_id: string;
  currency: string;
  amount: string | number;
  reason: string | null;
  created_at: Date | string;
}

function tradeFromRow(row: TradeRow): Trade {
  return {
    partner: row.partner,
    partnerTransId: row.partner_trans_id,
    alipayTransId: row.alipay_trans_id,
    state: row.state as TradeState,
    currency: row.currency,
    amount: toNumber(row.amount),
    refunded: toNumber(row.refunded),
    exchangeRate: row.exchange_rate,
    amountCny: row.amount_cny,
    transName: row.trans_name,
    buyerIdentityCode: row.buyer_identity_code,
    buyerLoginId: row.buyer_login_id,
    buyerUserId: row.buyer_user_id,
    createdAt: toDate(row.created_at),
    paidAt: toDateOrNull(row.paid_at),
    closedAt: toDateOrNull(row.closed_at),
    closeReason: row.close_reason,
    pending: row.pending === null ? null : fromJson<PendingInfo>(row.pending),
    queryCount: Number(row.query_count),
    notifyUrl: row.notify_url ?? null,
    notifyCharset: row.notify_charset ?? null,
  };
}

function tradeToRow(trade: Trade): Omit<TradeRow, 'pending'> & { pending: string | null } {
  return {
    partner: trade.partner,
    partner_trans_id: trade.partnerTransId,
    alipay_trans_id: trade.alipayTransId,
    state: trade.state,
    currency: trade.currency,
    amount: trade.amount,
    refunded: trade.refunded,
    exchange_rate: trade.exchangeRate,
    amount_cny: trade.amountCny,
    trans_name: trade.transName,
    buyer_identity_code: trade.buyerIdentityCode,
    buyer_login_id: trade.buyerLoginId,
    buyer_user_id: trade.buyerUserId,
    created_at: trade.createdAt,
    paid_at: trade.paidAt,
    closed_at: trade.closedAt,
    close_reason: trade.closeReason,
    // Stringified: pg would send a JS array as a Postgres array, not JSON.
    pending: trade.pending === null ? null : JSON.stringify(trade.pending),
    query_count: trade.queryCount,
    notify_url: trade.notifyUrl,
    notify_charset: trade.notifyCharset,
  };
}

function refundFromRow(row: RefundRow): Refund {
  return {
    partner: row.partner,
    partnerRefundId: row.partner_refund_id,
    partnerTransId: row.partner_trans_id,
    alipayTransId: row.alipay_trans_id,
    currency: row.currency,
    amount: toNumber(row.amount),
    reason: row.reason,
    createdAt: toDate(row.created_at),
  };
}

function refundToRow(refund: Refund): RefundRow {
  return {
    partner: refund.partner,
    partner_refund_id: refund.partnerRefundId,
    partner_trans_id: refund.partnerTransId,
    alipay_trans_id: refund.alipayTransId,
    currency: refund.currency,
    amount: refund.amount,
    reason: refund.reason,
    created_at: refund.createdAt,
  };
}

/** The columns of a trade row and their types, in the order of `tradeToRow`: the arrays of a many-row insert. */
const TRADE_COLUMNS: Columns<ReturnType<typeof tradeToRow>> = [
  ['partner', 'text'], ['partner_trans_id', 'text'], ['alipay_trans_id', 'text'], ['state', 'text'], ['currency', 'text'],
  ['amount', 'bigint'], ['refunded', 'bigint'], ['exchange_rate', 'text'], ['amount_cny', 'text'], ['trans_name', 'text'],
  ['buyer_identity_code', 'text'], ['buyer_login_id', 'text'], ['buyer_user_id', 'text'], ['created_at', 'timestamptz'],
  ['paid_at', 'timestamptz'], ['closed_at', 'timestamptz'], ['close_reason', 'text'], ['pending', 'jsonb'],
  ['query_count', 'int'], ['notify_url', 'text'], ['notify_charset', 'text'],
];

const REFUND_COLUMNS: Columns<RefundRow> = [
  ['partner', 'text'], ['partner_refund_id', 'text'], ['partner_trans_id', 'text'], ['alipay_trans_id', 'text'],
  ['currency', 'text'], ['amount', 'bigint'], ['reason', 'text'], ['created_at', 'timestamptz'],
];

/**
 * What the gateway changes in a trade it made (a refund, a cancel, a query that settles it, the lifecycle): a
 * compare-and-set writes these and nothing else, found by the trade's key. A write that would change any other
 * column is not one (saveTradesIfUnchanged answers false, and the request is decided again under the lock, where
 * the whole row is written). The 21 columns, 31 arrays in all with the refund's, cost the mock each array's text
 * and the database its parsing, row by row: the read and the compare-and-set of 54,000 refunds in batches of 25
 * (a throw-away script, three runs of each alternated, embedded database) took PostgreSQL 53-58 µs a refund with
 * them and 43-51 with these 17 arrays, and the mock 43-44 µs against 33-42.
 */
const CHANGING = new Set(['state', 'refunded', 'paid_at', 'closed_at', 'close_reason', 'pending', 'query_count']);
const TRADE_KEY = new Set(['partner', 'partner_trans_id']);
/** the key, then the changing columns, in TRADE_COLUMNS' order */
const CAS_COLUMNS = TRADE_COLUMNS.filter(([c]) => TRADE_KEY.has(c) || CHANGING.has(c));
const CHANGING_COLUMNS = CAS_COLUMNS.filter(([c]) => CHANGING.has(c));
const FIXED_COLUMNS = TRADE_COLUMNS.filter(([c]) => !TRADE_KEY.has(c) && !CHANGING.has(c));

/** the same value in a trade row (dates by their time) */
const sameValue = (a: unknown, b: unknown) => a === b || (a instanceof Date && b instanceof Date && a.getTime() === b.getTime());

// Every statement names its columns (never `*`): a prepared statement whose result changes shape fails, and another
// instance of a newer version may add a column while this one runs.
const TRADE_SELECT = TRADE_COLUMNS.map(([c]) => c).join(', ');
const REFUND_SELECT = REFUND_COLUMNS.map(([c]) => c).join(', ');
const TRADE_INSERT = `insert into trades (${TRADE_SELECT}, updated_at) values (${parameters(TRADE_COLUMNS)}, now())`;
const TRADE_UPSERT = `${TRADE_INSERT} on conflict (partner, partner_trans_id) do update set ${[...TRADE_COLUMNS.map(([c]) => c), 'updated_at'].map((c) => `${c} = excluded.${c}`).join(', ')}`;
/**
 * A trade's columns (as they are, and its row version) and a refund's (r_*) side by side: one row of a left join of
 * both. The trade's side is a trade row as it comes; only the refund's, when there is one, is renamed back.
 */
const TRADE_AND_REFUND_SELECT = [
  ...TRADE_COLUMNS.map(([c]) => `t.${c}`),
  't.xmin::text as row_version',
  ...REFUND_COLUMNS.map(([c]) => `r.${c} as r_${c}`),
].join(', ');
const REFUND_ALIASES = REFUND_COLUMNS.map(([c]) => [c, `r_${c}`] as const);
const REFUND_INSERT = (from: number) => `insert into refunds (${REFUND_SELECT}) values (${parameters(REFUND_COLUMNS, from)})`;

const STATEMENTS = {
  tradeByPartnerTransId: { name: 'mapi_trade_by_partner_trans_id', text: `select ${TRADE_SELECT} from trades where partner = $1 and partner_trans_id = $2` },
  tradeByAlipayTransId: { name: 'mapi_trade_by_alipay_trans_id', text: `select ${TRADE_SELECT} from trades where partner = $1 and alipay_trans_id = $2` },
  refund: { name: 'mapi_refund', text: `select ${REFUND_SELECT} from refunds where partner = $1 and partner_refund_id = $2` },
  /** the trade and (when $3 is not null) the refund in one row, each side null when absent */
  tradeAndRefund: {
    name: 'mapi_trade_and_refund',
    text:
      `select ${TRADE_AND_REFUND_SELECT} ` +
      'from (values (1)) as one (x) left join trades t on t.partner = $1 and t.partner_trans_id = $2 ' +
      'left join refunds r on r.partner = $1 and r.partner_refund_id = $3::text',
  },
  saveTrade: { name: 'mapi_save_trade', text: TRADE_UPSERT },
  insertRefund: { name: 'mapi_insert_refund', text: REFUND_INSERT(1) },
  // a data-modifying CTE: both rows in one round trip, and in one statement (both or neither)
  saveTradeAndRefund: { name: 'mapi_save_trade_and_refund', text: `with saved_trade as (${TRADE_UPSERT}) ${REFUND_INSERT(TRADE_COLUMNS.length + 1)}` },
  /**
   * Compare-and-set, any number of trades in one statement: each written only if its row is still the version it was
   * read at (`xmin`, the transaction that wrote it: any later write, even of the same values, changes it), and its
   * refund (where there is one) inserted with it. Answers the positions written.
   */
  saveTradesIfUnchanged: {
    name: 'mapi_save_trades_if_unchanged',
    text:
      `with v as (select * from unnest(${arrayParameters([...CAS_COLUMNS, ['version', 'text'], ...REFUND_COLUMNS, ['ord', 'int']])}) ` +
      `as v(${[...CAS_COLUMNS.map(([c]) => `a_${c}`), 'version', ...REFUND_COLUMNS.map(([c]) => `r_${c}`), 'ord'].join(', ')})), ` +
      `u as (update trades t set (${CHANGING_COLUMNS.map(([c]) => c).join(', ')}, updated_at) = (${CHANGING_COLUMNS.map(([c]) => `v.a_${c}`).join(', ')}, now()) from v ` +
      'where t.partner = v.a_partner and t.partner_trans_id = v.a_partner_trans_id and t.xmin = v.version::xid returning v.ord), ' +
      `r as (insert into refunds (${REFUND_SELECT}) select ${REFUND_COLUMNS.map(([c]) => `v.r_${c}`).join(', ')} from v join u on u.ord = v.ord where v.r_partner is not null) ` +
      'select ord from u',
  },
  /** New trades, any number in one statement (one array a column); answers the rows it inserted. */
  insertNewTrades: {
    name: 'mapi_insert_new_trades',
    text:
      `insert into trades (${TRADE_SELECT}, updated_at) ` +
      `select *, now() from unnest(${arrayParameters(TRADE_COLUMNS)}) ` +
      'on conflict (partner, partner_trans_id) do nothing returning partner, partner_trans_id',
  },
} satisfies Record<string, Prepared>;

const tradeValues = (trade: Trade) => columnValues(TRADE_COLUMNS, tradeToRow(trade));
const refundValues = (refund: Refund) => columnValues(REFUND_COLUMNS, refundToRow(refund));

/** runs a prepared statement: on a connection of the pool (the reader), or on a transaction's (Tx.run) */
type Run = <Row>(statement: Prepared, values: unknown[]) => Promise<Row[]>;

/** New trades in one statement: true for each one inserted, false where (partner, partnerTransId) existed already. */
async function insertNewTrades(run: Run, trades: Trade[]): Promise<boolean[]> {
  const inserted = await run<{ partner: string; partner_trans_id: string }>(STATEMENTS.insertNewTrades, columnArrays(TRADE_COLUMNS, trades.map(tradeToRow)));
  const fresh = new Set(inserted.map((row) => pairKey(row.partner, row.partner_trans_id)));
  // the same id twice in one batch: the first is the one inserted, the second finds it there (false)
  return trades.map((trade) => fresh.delete(pairKey(trade.partner, trade.partnerTransId)));
}

async function one<Row, T>(run: Run, statement: Prepared, values: unknown[], from: (row: Row) => T): Promise<T | null> {
  const [row] = await run<Row>(statement, values);
  return row ? from(row) : null;
}

/** The trade operations, bound to one transaction (prepared.ts's inTransaction): each statement prepared. */
function createTradeTx(tx: Tx): TradeTx {
  const run: Run = (statement, values) => tx.run(statement, values);
  // plain SQL, so that BEGIN goes with it when it comes first (it usually does)
  const lock = (partner: string, partnerTransId: string) => tx.plain(`select pg_advisory_xact_lock(hashtext(${pg.escapeLiteral(`${partner}/${partnerTransId}`)}))`);
  const trades: TradeTx = {
    async lockTrade(partner, partnerTransId) {
      await lock(partner, partnerTransId);
    },
    async lockAndLoad(partner, partnerTransId, partnerRefundId) {
      // The read comes after the lock, in a statement of its own: it takes its own snapshot, so it sees what the
      // lock's previous holder committed (one statement with both would read from before the lock was granted).
      await lock(partner, partnerTransId);
      const [row] = await run<SideBySide>(STATEMENTS.tradeAndRefund, [partner, partnerTransId, partnerRefundId]);
      const { trade, refund } = splitSideBySide(row!);
      return { trade: trade && tradeFromRow(trade), refund };
    },
    findTradeByPartnerTransId: (partner, partnerTransId) => one(run, STATEMENTS.tradeByPartnerTransId, [partner, partnerTransId], tradeFromRow),
    findTradeByAlipayTransId: (partner, alipayTransId) => one(run, STATEMENTS.tradeByAlipayTransId, [partner, alipayTransId], tradeFromRow),
    findRefund: (partner, partnerRefundId) => one(run, STATEMENTS.refund, [partner, partnerRefundId], refundFromRow),
    async insertTradeIfAbsent(trade) {
      const [inserted] = await insertNewTrades(run, [trade]);
      return inserted!;
    },
    async saveTrade(trade) {
      await run(STATEMENTS.saveTrade, tradeValues(trade));
    },
    async insertRefund(refund) {
      await run(STATEMENTS.insertRefund, refundValues(refund));
    },
    async saveTradeAndRefund(trade, refund) {
      await run(STATEMENTS.saveTradeAndRefund, [...tradeValues(trade), ...refundValues(refund)]);
    },
    takeRuleUse(ruleId) {
      return takeRuleUse(tx, ruleId);
    },
  };
  return trades;
}

/** a row of TRADE_AND_REFUND_SELECT */
type SideBySide = Record<string, unknown>;

/** a trade row with the version (`xmin`) it was read at */
type VersionedRow = TradeRow & { row_version: string };

/** a trade row (with its row version) and a refund from one row of TRADE_AND_REFUND_SELECT, each null when absent */
function splitSideBySide(row: SideBySide): { trade: VersionedRow | null; refund: Refund | null } {
  let refund: Refund | null = null;
  if (row.r_partner !== null) {
    const side: Record<string, unknown> = {};
    for (const [column, alias] of REFUND_ALIASES) side[column] = row[alias];
    refund = refundFromRow(side as unknown as RefundRow);
  }
  return { trade: row.partner === null ? null : (row as unknown as VersionedRow), refund };
}

/** a map key for a pair of strings, unambiguous whatever the strings hold */
const pairKey = (a: string, b: string): string => JSON.stringify([a, b]);

/** a partner and one of its ids (partner_trans_id, alipay_trans_id or partner_refund_id) */
interface Ref {
  partner: string;
  id: string;
}

/** The rows of `table` whose (partner, `column`) is one of the pairs given as two arrays. */
function findByPairs(table: 'trades' | 'refunds', column: string): Prepared & { column: string } {
  return {
    name: `mapi_find_${table}_by_${column}`,
    text: `select ${(table === 'trades' ? [...TRADE_COLUMNS, ['xmin::text as row_version']] : REFUND_COLUMNS).map(([c]) => `t.${c}`).join(', ')} from unnest(${arrayParameters([['partner', 'text'], ['id', 'text']])}) as k(partner, id) join ${table} t on t.partner = k.partner and t.${column} = k.id`,
    column,
  };
}

const FIND_EACH = {
  tradeByPartnerTransId: findByPairs('trades', 'partner_trans_id'),
  tradeByAlipayTransId: findByPairs('trades', 'alipay_trans_id'),
  refund: findByPairs('refunds', 'partner_refund_id'),
  /** one row a key, in the keys' order: the trade by partner_trans_id and the refund by partner_refund_id, in one snapshot */
  tradeAndRefund: {
    name: 'mapi_find_trades_and_refunds',
    text:
      `select ${TRADE_AND_REFUND_SELECT} from unnest(${arrayParameters([['partner', 'text'], ['trans_id', 'text'], ['refund_id', 'text']])}) with ordinality as k(partner, trans_id, refund_id, ord) ` +
      'left join trades t on t.partner = k.partner and t.partner_trans_id = k.trans_id ' +
      'left join refunds r on r.partner = k.partner and r.partner_refund_id = k.refund_id order by k.ord',
  } satisfies Prepared,
};

/** One row per ref, found by (partner, column) with one statement for the whole batch. */
async function findEach<Row extends { partner: string }>(db: Knex, statement: Prepared & { column: string }, refs: Ref[]): Promise<Array<Row | undefined>> {
  const { column } = statement;
  const rows = await runPrepared<Row>(db, statement, [refs.map((ref) => ref.partner), refs.map((ref) => ref.id)]);
  const byRef = new Map(rows.map((row) => [pairKey(row.partner, (row as Record<string, unknown>)[column] as string), row]));
  return refs.map((ref) => byRef.get(pairKey(ref.partner, ref.id)));
}

interface CompareAndSet {
  before: Trade;
  /** the row version `before` was read at; null when this reader did not read it */
  version: string | null;
  after: Trade;
  refund: Refund | null;
}

/**
 * Many compare-and-set writes in one statement (one commit for them all). A trade named twice in one batch is
 * written at most once: the later ones answer false (changed meanwhile), as they would have a moment later. A
 * write whose `before` has no version (this reader did not read it), or that changes a column outside
 * CHANGING_COLUMNS, answers false without a statement.
 */
async function saveTradesIfUnchanged(db: Knex, writes: CompareAndSet[]): Promise<boolean[]> {
  const seen = new Set<string>();
  const included: number[] = [];
  const rows: Array<ReturnType<typeof tradeToRow>> = [];
  writes.forEach((write, i) => {
    const key = pairKey(write.before.partner, write.before.partnerTransId);
    if (write.after.partner !== write.before.partner || write.after.partnerTransId !== write.before.partnerTransId) {
      throw new Error('compare-and-set: the trade written must be the trade read');
    }
    if (write.version === null || seen.has(key)) return;
    const before = tradeToRow(write.before);
    const after = tradeToRow(write.after);
    if (FIXED_COLUMNS.some(([c]) => !sameValue(before[c], after[c]))) return;
    seen.add(key);
    included.push(i);
    rows.push(after);
  });
  if (included.length === 0) return writes.map(() => false);
  const chosen = included.map((i) => writes[i]!);
  const values = [
    ...columnArrays(CAS_COLUMNS, rows),
    chosen.map((write) => write.version),
    ...columnArrays(REFUND_COLUMNS, chosen.map((write) => (write.refund ? refundToRow(write.refund) : null))),
    included,
  ];
  const written = new Set((await runPrepared<{ ord: number }>(db, STATEMENTS.saveTradesIfUnchanged, values)).map((row) => row.ord));
  return writes.map((_, i) => written.has(i));
}

/**
 * The reader of concurrent requests, each read and each new pay's insert coalesced with those of the same moment
 * (coalesce.ts) into one prepared statement (prepared.ts): a new pay is still committed before its caller hears `true`.
 */
function coalescedReader(db: Knex): TradeReader {
  const byPartnerTransId = new Coalescer((refs: Ref[]) => findEach<VersionedRow>(db, FIND_EACH.tradeByPartnerTransId, refs));
  const byAlipayTransId = new Coalescer((refs: Ref[]) => findEach<VersionedRow>(db, FIND_EACH.tradeByAlipayTransId, refs));
  const refunds = new Coalescer((refs: Ref[]) => findEach<RefundRow>(db, FIND_EACH.refund, refs));
  const tradesAndRefunds = new Coalescer(async (keys: Array<{ partner: string; partnerTransId: string; partnerRefundId: string }>) => {
    const values = [keys.map((k) => k.partner), keys.map((k) => k.partnerTransId), keys.map((k) => k.partnerRefundId)];
    return (await runPrepared<SideBySide>(db, FIND_EACH.tradeAndRefund, values)).map(splitSideBySide);
  });
  const inserts = new Coalescer((trades: Trade[]) => insertNewTrades((statement, values) => runPrepared(db, statement, values), trades));
  const compareAndSet = new Coalescer((writes: CompareAndSet[]) => saveTradesIfUnchanged(db, writes));
  // the row version each trade this reader answered was read at: what its compare-and-set compares
  const versions = new WeakMap<Trade, string>();
  const versioned = (row: VersionedRow | null | undefined): Trade | null => {
    if (!row) return null;
    const trade = tradeFromRow(row);
    versions.set(trade, row.row_version);
    return trade;
  };
  const compare = (before: Trade, after: Trade, refund: Refund | null) => compareAndSet.load({ before, version: versions.get(before) ?? null, after, refund });
  return {
    findTradeByPartnerTransId: (partner, id) => byPartnerTransId.load({ partner, id }).then(versioned),
    findTradeByAlipayTransId: (partner, id) => byAlipayTransId.load({ partner, id }).then(versioned),
    findRefund: (partner, id) => refunds.load({ partner, id }).then((row) => (row ? refundFromRow(row) : null)),
    findTradeAndRefund: (partner, partnerTransId, partnerRefundId) =>
      tradesAndRefunds.load({ partner, partnerTransId, partnerRefundId }).then(({ trade, refund }) => ({ trade: versioned(trade), refund })),
    insertTradeIfAbsent: (trade) => inserts.load(trade),
    saveTradeIfUnchanged: (before, after) => compare(before, after, null),
    saveTradeAndRefundIfUnchanged: (before, after, refund) => compare(before, after, refund),
  };
}

/** Trades and refunds: the gateway's transactions on them, and the listings of the pages. */
export class TradeStore {
  /** reads outside any transaction: for requests that turn out to change nothing (most queries) */
  readonly reader: TradeReader;

  constructor(private readonly db: Knex) {
    this.reader = coalescedReader(db);
  }

  transaction<T>(fn: (tx: TradeTx) => Promise<T>): Promise<T> {
    return inTransaction(this.db, (tx) => fn(createTradeTx(tx)));
  }

  /** newest first */
  async listTrades(filter: TradeFilter): Promise<Trade[]> {
    const query = this.db<TradeRow>('trades')
      .select('*')
      .orderBy([
        { column: 'created_at', order: 'desc' },
        { column: 'alipay_trans_id', order: 'desc' },
      ])
      .limit(clampLimit(filter.limit));
    if (filter.partner !== undefined) query.where('partner', filter.partner);
    if (filter.partnerTransId !== undefined) query.where('partner_trans_id', filter.partnerTransId);
    if (filter.state !== undefined) query.where('state', filter.state);
    const rows = (await query) as TradeRow[];
    return rows.map(tradeFromRow);
  }

  /** how many trades are stored, every partner */
  async countTrades(): Promise<number> {
    const row = (await this.db('trades').count({ n: '*' }).first()) as { n: string | number } | undefined;
    return row ? toNumber(row.n) : 0;
  }

  /** the trade's refunds, oldest first */
  async listRefunds(partner: string, partnerTransId: string): Promise<Refund[]> {
    const rows = (await this.db<RefundRow>('refunds')
      .select('*')
      .where({ partner, partner_trans_id: partnerTransId })
      .orderBy([
        { column: 'created_at', order: 'asc' },
        { column: 'partner_refund_id', order: 'asc' },
      ])) as RefundRow[];
    return rows.map(refundFromRow);
  }
}
