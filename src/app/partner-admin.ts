// What can be done to a partner beyond its key: its default notification URL, a test notification sent there,
// and removing it with everything of its own.
import { randomBytes, randomInt } from 'node:crypto';
import { buildNotification } from '../core/notify.ts';
import { samplePayParams } from '../core/samples.ts';
import { getService } from '../core/services/index.ts';
import { formatGmt8, newAlipayTransId } from '../core/time.ts';
import { SERVICES, type Partner } from '../core/types.ts';
import type { ChangeSync } from './change-sync.ts';
import type { OffsetClock } from './clock.ts';
import { postNotification } from './notifier.ts';
import type { PartnerCache } from './partner-cache.ts';

export type Errors = Record<string, string>;
export type PartnerResult<T> = { ok: true; value: T } | { ok: false; status: 400 | 404; errors: Errors };

const NOTIFY_URL_MESSAGE = 'must be an http:// or https:// URL of at most 1000 characters, or null for none';

/** why `value` cannot be a partner's notification URL, or null when it can (null itself clears it) */
export function notifyUrlProblem(value: unknown): string | null {
  if (value === null) return null;
  if (typeof value !== 'string' || value.length > 1000) return NOTIFY_URL_MESSAGE;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? null : NOTIFY_URL_MESSAGE;
  } catch {
    return NOTIFY_URL_MESSAGE;
  }
}

export interface TestNotification {
  url: string;
  status: number | null;
  body: string | null;
  delivered: boolean;
  /** why it did not count as delivered (refused, timed out, another answer); null when delivered */
  error: string | null;
  /** the signed parameters that were posted */
  params: Record<string, string>;
}

/** what PartnerAdmin works with: no store of its own, the partner cache writes through */
export interface PartnerAdminDeps {
  partners: PartnerCache;
  sync: ChangeSync;
  clock: OffsetClock;
  defaultPartner: Partner;
  /** writes what is pending (request log, rule hits) */
  flush(): Promise<void>;
}

export class PartnerAdmin {
  constructor(private readonly deps: PartnerAdminDeps) {}

  private find(id: string): PartnerResult<Partner> {
    const partner = this.deps.partners.get(id);
    return partner ? { ok: true, value: partner } : { ok: false, status: 404, errors: { id: `no partner ${id}` } };
  }

  async setNotifyUrl(id: string, notifyUrl: unknown): Promise<PartnerResult<Partner>> {
    const found = this.find(id);
    if (!found.ok) return found;
    const problem = notifyUrlProblem(notifyUrl);
    if (problem !== null) return { ok: false, status: 400, errors: { notifyUrl: problem } };
    const url = notifyUrl as string | null;
    if (!(await this.deps.partners.setNotifyUrl(id, url))) return { ok: false, status: 404, errors: { id: `no partner ${id}` } };
    await this.deps.sync.refresh();
    return { ok: true, value: { ...found.value, notifyUrl: url } };
  }

  /**
   * Posts a signed trade_status_sync for a made-up paid trade to the partner's notification URL and reports the
   * answer. Nothing is stored: the trade is not in the trades, the post not in the notification log.
   */
  async sendTestNotification(id: string): Promise<PartnerResult<TestNotification>> {
    const found = this.find(id);
    if (!found.ok) return found;
    const partner = found.value;
    if (!partner.notifyUrl) {
      return { ok: false, status: 400, errors: { notifyUrl: 'is not set for this partner: set one first (PATCH /api/partners/:id {"notifyUrl": "http://..."})' } };
    }
    const now = this.deps.clock.now(id);
    const partnerTransId = `TEST-NOTIFY-${formatGmt8(now)}`;
    const params = Object.fromEntries(samplePayParams({ partner: id, partnerTransId, transCreateTime: formatGmt8(now), transName: 'Test notification' }));
    const made = getService(SERVICES.pay).execute({
      params: { service: SERVICES.pay, partner: id, ...params },
      partner: id,
      now,
      trade: null,
      existingRefund: null,
      freshAlipayTransId: newAlipayTransId(now, String(randomInt(2 ** 47)).padStart(16, '0')),
    });
    if (!made.trade) throw new Error('the sample pay made no trade');
    const signed = buildNotification(made.trade, 'paid', { now, notifyId: randomBytes(16).toString('hex'), key: partner.key, charset: 'utf-8' });
    const result = await postNotification(partner.notifyUrl, signed, 'utf-8');
    return { ok: true, value: { url: partner.notifyUrl, status: result.status, body: result.body, delivered: result.delivered, error: result.error, params: signed } };
  }

  /** the partner with its trades, rules and log entries; the default partner stays (it is seeded at every start) */
  async remove(id: string): Promise<PartnerResult<null>> {
    const found = this.find(id);
    if (!found.ok) return found;
    if (id === this.deps.defaultPartner.id) {
      return { ok: false, status: 400, errors: { id: `${id} is the default partner, seeded again at every start: replace its key instead` } };
    }
    // what is still buffered (log entries, hits) must not bring it back after the delete
    await this.deps.flush();
    await this.deps.partners.remove(id);
    await this.deps.sync.refresh();
    return { ok: true, value: null };
  }
}
