import { randomBytes } from 'node:crypto';
import { type OpenStoreOptions, createDatabase, dropDatabase, openStore } from '../../src/store/db.ts';
import type { Rule } from '../../src/core/rules/types.ts';
import type { Refund, Trade } from '../../src/core/types.ts';
import type { RequestLogEntry } from '../../src/store/records.ts';
import type { Database, Stores } from '../../src/store/stores.ts';

/** the stores of a test database; `testDatabaseUrl` is set on a PostgreSQL server (DATABASE_URL) */
export type TestStores = Stores & { testDatabaseUrl?: string };

/**
 * Migrated stores on a database of this test file's own: a fresh database on the server of DATABASE_URL (dropped
 * again by database.close()), or else a throw-away database on the embedded PostgreSQL. Test files can therefore run
 * in parallel.
 */
export async function createTestStores(options: Pick<OpenStoreOptions, 'logger' | 'onDatabaseError'> = {}): Promise<TestStores> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    const stores = await openStore({ inMemory: true, ...options });
    await stores.database.migrate();
    return stores;
  }
  const name = `mapi_test_${randomBytes(6).toString('hex')}`;
  const databaseUrl = await createDatabase(serverUrl, name);
  let stores: Stores | undefined;
  try {
    stores = await openStore({ databaseUrl, ...options });
    await stores.database.migrate();
  } catch (err) {
    await stores?.database.close();
    await dropDatabase(serverUrl, name);
    throw err;
  }
  const { database } = stores;
  const close = database.close.bind(database);
  database.close = async (): Promise<void> => {
    try {
      await close();
    } finally {
      await dropDatabase(serverUrl, name);
    }
  };
  return Object.assign(stores, { testDatabaseUrl: databaseUrl });
}

// Rows for store tests: valid, complete, overridable.

export const TEST_PARTNER = '2088101122136241';

export function makeTrade(overrides: Partial<Trade> = {}): Trade {
  return {
    partner: TEST_PARTNER,
    partnerTransId: 'T-1',
    alipayTransId: '2026112511001004000000000001',
    state: 'TRADE_SUCCESS',
    currency: 'USD',
    amount: 1234,
    refunded: 0,
    exchangeRate: '7.10000000',
    amountCny: '87.61',
    transName: 'Coffee 咖啡 <&>',
    buyerIdentityCode: '281234567890123456',
    buyerLoginId: 'buyer@example.com',
    buyerUserId: '2088102000000001',
    createdAt: new Date('2026-11-25T10:00:00.123Z'),
    paidAt: new Date('2026-11-25T10:00:01.456Z'),
    closedAt: null,
    closeReason: null,
    pending: null,
    queryCount: 0,
    notifyUrl: null,
    notifyCharset: null,
    ...overrides,
  };
}

export function makeRule(overrides: Partial<Rule> = {}): Rule {
  return {
    id: 'pay-balance-not-enough',
    name: 'Amount 12.34: balance not enough 余额不足',
    service: 'alipay.acquire.overseas.spot.pay',
    partner: null,
    priority: 0,
    enabled: true,
    activeUntil: null,
    remainingUses: null,
    when: [
      { param: 'trans_amount', op: 'eq', value: '12.34' },
      { param: 'currency', op: 'in', value: ['USD', 'JPY'] },
    ],
    then: { type: 'business', resultCode: 'FAILED', error: 'BUYER_BALANCE_NOT_ENOUGH', fields: { a: '{{b}}' }, delayMs: 0 },
    ...overrides,
  };
}

export function makeRefund(overrides: Partial<Refund> = {}): Refund {
  return {
    partner: TEST_PARTNER,
    partnerRefundId: 'R-1',
    partnerTransId: 'T-1',
    alipayTransId: '2026112511001004000000000001',
    currency: 'USD',
    amount: 100,
    reason: 'broken cup',
    createdAt: new Date('2026-11-25T11:00:00.000Z'),
    ...overrides,
  };
}

// Ids and times that grow with each call, so that log order is the order of creation.
let logSeq = 0;
export function makeLogEntry(overrides: Partial<RequestLogEntry> = {}): RequestLogEntry {
  logSeq += 1;
  const at = new Date(Date.UTC(2026, 10, 25, 12, 0, 0) + logSeq * 1000);
  return {
    id: `log-${String(logSeq).padStart(4, '0')}`,
    at,
    // a partner clock moved 10 minutes ahead: partnerAt is kept apart from at
    partnerAt: new Date(at.getTime() + 600_000),
    method: 'POST',
    path: '/gateway.do',
    rawRequest: 'service=alipay.acquire.overseas.spot.pay&partner=2088101122136241',
    charset: 'UTF-8',
    service: 'alipay.acquire.overseas.spot.pay',
    partner: TEST_PARTNER,
    params: { service: 'alipay.acquire.overseas.spot.pay', trans_name: '咖啡' },
    isSuccess: true,
    resultCode: 'SUCCESS',
    error: null,
    ruleId: null,
    response: '<?xml version="1.0" encoding="GBK"?><alipay><is_success>T</is_success></alipay>',
    signedString: 'partner=2088101122136241&service=alipay.acquire.overseas.spot.pay',
    latencyMs: 1.25,
    tradeKey: 'T-1',
    ...overrides,
  };
}

/** Postgres error code of a rejected query (both drivers put it on `code`). */
export function pgCode(err: unknown): unknown {
  return (err as { code?: unknown }).code;
}

/** the same stores, whose database.close() does nothing (the owner closes the real one) */
function unclosable(stores: Stores): Stores {
  return { ...stores, database: Object.assign(Object.create(stores.database) as Database, { close: async () => {} }) };
}

/**
 * Two sets of stores on one database, as two instances of the mock would have: on PostgreSQL two pools on the same
 * fresh database; on the embedded database (one process only) the same stores twice.
 */
export async function createSharedTestStores(): Promise<{ a: Stores; b: Stores; close(): Promise<void> }> {
  const a = await createTestStores();
  if (!a.testDatabaseUrl) {
    const shared = unclosable(a);
    return { a: shared, b: shared, close: () => a.database.close() };
  }
  const b = await openStore({ databaseUrl: a.testDatabaseUrl });
  return {
    a: unclosable(a),
    b: unclosable(b),
    async close() {
      await b.database.close();
      await a.database.close();
    },
  };
}
