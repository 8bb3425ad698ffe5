import type { Knex } from 'knex';
import pg from 'pg';
import type { PendingInfo, Refund, Trade, TradeState } from '../core/types.ts';
import type { TradeFilter, TradeReader, TradeTx } from './records.ts';
import { clampLimit, fromJson, toDate, toDateOrNull, toNumber, type Db } from './rows.ts';
import { takeRuleUse } from './rule-store.ts';

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

function upsertTrade(trx: Db, trade: Trade) {
  return trx('trades')
    .insert({ ...tradeToRow(trade), updated_at: trx.fn.now() })
    .onConflict(['partner', 'partner_trans_id'])
    .merge();
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

/** The trade operations, bound to one transaction (or, for the reader, to none). */
function createTradeTx(trx: Db): TradeTx {
  return {
    async lockTrade(partner, partnerTransId) {
      await trx.raw('select pg_advisory_xact_lock(hashtext(?))', [`${partner}/${partnerTransId}`]);
    },
    async lockAndLoad(partner, partnerTransId, partnerRefundId) {
      // Several statements in one simple query (values inlined, escaped by pg): each statement takes its own
      // snapshot, so the reads see what the lock's previous holder committed. One statement cannot do it: its
      // snapshot would be taken before the lock is granted.
      const q = pg.escapeLiteral;
      const p = q(partner);
      const sql = [
        `select pg_advisory_xact_lock(hashtext(${q(`${partner}/${partnerTransId}`)}))`,
        `select * from trades where partner = ${p} and partner_trans_id = ${q(partnerTransId)}`,
        ...(partnerRefundId === null ? [] : [`select * from refunds where partner = ${p} and partner_refund_id = ${q(partnerRefundId)}`]),
      ].join(';\n');
      const results = (await trx.raw(sql)) as Array<{ rows: unknown[] }>;
      const tradeRow = results[1]!.rows[0] as TradeRow | undefined;
      const refundRow = results[2]?.rows[0] as RefundRow | undefined;
      return { trade: tradeRow ? tradeFromRow(tradeRow) : null, refund: refundRow ? refundFromRow(refundRow) : null };
    },
    async findTradeByPartnerTransId(partner, partnerTransId) {
      const row = await trx<TradeRow>('trades')
        .where({ partner, partner_trans_id: partnerTransId })
        .first();
      return row ? tradeFromRow(row) : null;
    },
    async findTradeByAlipayTransId(partner, alipayTransId) {
      const row = await trx<TradeRow>('trades')
        .where({ partner, alipay_trans_id: alipayTransId })
        .first();
      return row ? tradeFromRow(row) : null;
    },
    async findRefund(partner, partnerRefundId) {
      const row = await trx<RefundRow>('refunds')
        .where({ partner, partner_refund_id: partnerRefundId })
        .first();
      return row ? refundFromRow(row) : null;
    },
    async insertTradeIfAbsent(trade) {
      const rows = await trx('trades')
        .insert({ ...tradeToRow(trade), updated_at: trx.fn.now() })
        .onConflict(['partner', 'partner_trans_id'])
        .ignore()
        .returning('partner_trans_id');
      return rows.length === 1;
    },
    async saveTrade(trade) {
      await upsertTrade(trx, trade);
    },
    async insertRefund(refund) {
      await trx('refunds').insert(refundToRow(refund));
    },
    async saveTradeAndRefund(trade, refund) {
      // a data-modifying CTE: both rows in one round trip, and in one statement (both or neither)
      await trx.with('saved_trade', upsertTrade(trx, trade)).insert(refundToRow(refund)).into('refunds');
    },
    takeRuleUse(ruleId) {
      return takeRuleUse(trx, ruleId);
    },
  };
}

/** Trades and refunds: the gateway's transactions on them, and the listings of the pages. */
export class TradeStore {
  /** reads outside any transaction: for requests that turn out to change nothing (most queries) */
  readonly reader: TradeReader;

  constructor(private readonly db: Knex) {
    this.reader = createTradeTx(db);
  }

  transaction<T>(fn: (tx: TradeTx) => Promise<T>): Promise<T> {
    return this.db.transaction((trx) => fn(createTradeTx(trx)));
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
