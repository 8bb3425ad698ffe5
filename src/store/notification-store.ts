import type { Knex } from 'knex';
import type { FirstAttempt, NewNotification, NotificationAttempt, NotificationFilter, NotificationRecord, NotificationStatus } from './records.ts';
import { clampLimit, fromJson, toDate, toDateOrNull } from './rows.ts';

interface NotificationRow {
  id: string;
  partner: string;
  partner_trans_id: string;
  url: string;
  params: unknown;
  charset: string;
  event: string;
  status: string;
  attempts: number | string;
  next_at: Date | string;
  last_status: number | null;
  last_body: string | null;
  last_error: string | null;
  created_at: Date | string;
  delivered_at: Date | string | null;
  partner_at: Date | string | null;
  first_at: Date | string | null;
  first_delivered: boolean | null;
  first_status: number | null;
  first_body: string | null;
  first_error: string | null;
}

function firstAttemptOf(row: NotificationRow): FirstAttempt | null {
  if (row.first_at === null) return null;
  return {
    at: toDate(row.first_at),
    delivered: row.first_delivered === true,
    status: row.first_status === null ? null : Number(row.first_status),
    body: row.first_body,
    error: row.first_error,
  };
}

function fromRow(row: NotificationRow): NotificationRecord {
  return {
    id: row.id,
    partner: row.partner,
    partnerTransId: row.partner_trans_id,
    url: row.url,
    params: fromJson<Record<string, string>>(row.params),
    charset: row.charset,
    event: row.event,
    status: row.status as NotificationStatus,
    attempts: Number(row.attempts),
    nextAt: toDate(row.next_at),
    lastStatus: row.last_status === null ? null : Number(row.last_status),
    lastBody: row.last_body,
    lastError: row.last_error,
    createdAt: toDate(row.created_at),
    deliveredAt: toDateOrNull(row.delivered_at),
    partnerAt: toDate(row.partner_at ?? row.created_at),
    firstAttempt: firstAttemptOf(row),
  };
}

/** raw() answers { rows } on both drivers */
function rowsOf(result: unknown): NotificationRow[] {
  return ((result as { rows?: NotificationRow[] }).rows ?? []) as NotificationRow[];
}

/** The asynchronous notifications: queued by the gateway, leased and delivered by the Notifier. */
export class NotificationStore {
  constructor(private readonly db: Knex) {}

  /** a notification to deliver, due now */
  async insert(n: NewNotification): Promise<void> {
    await this.db('notifications').insert({
      id: n.id,
      partner: n.partner,
      partner_trans_id: n.partnerTransId,
      url: n.url,
      params: JSON.stringify(n.params),
      charset: n.charset,
      event: n.event,
      status: 'pending',
      attempts: 0,
      next_at: this.db.fn.now(),
      created_at: n.createdAt,
      partner_at: n.partnerAt ?? n.createdAt,
    });
  }

  /**
   * Takes up to `limit` due notifications for delivery. Each is leased (next_at pushed `leaseSeconds` ahead) and
   * counted as an attempt in the same statement; `skip locked` lets instances sharing a database never take one
   * twice, and an instance that dies mid-delivery leaves it to be retried when the lease runs out.
   */
  async claimDue(limit: number, leaseSeconds: number): Promise<NotificationRecord[]> {
    const result = await this.db.raw(
      `update notifications
          set next_at = now() + make_interval(secs => ?), attempts = attempts + 1
        where id in (select id from notifications
                      where status = 'pending' and next_at <= now()
                      order by next_at
                      limit ?
                      for update skip locked)
        returning *`,
      [leaseSeconds, limit],
    );
    return rowsOf(result).map(fromRow);
  }

  async finishAttempt(id: string, attempt: NotificationAttempt): Promise<void> {
    await this.db('notifications')
      .where({ id, status: 'pending' })
      .update({
        status: attempt.status,
        next_at: attempt.nextAt,
        last_status: attempt.lastStatus,
        last_body: attempt.lastBody,
        last_error: attempt.lastError,
        delivered_at: attempt.status === 'delivered' ? this.db.fn.now() : null,
        // the first attempt is written once; a retry or a resend leaves it as it was
        first_at: this.db.raw('coalesce(first_at, now())'),
        first_delivered: this.db.raw('case when first_at is null then ? else first_delivered end', [attempt.status === 'delivered']),
        first_status: this.db.raw('case when first_at is null then ?::integer else first_status end', [attempt.lastStatus]),
        first_body: this.db.raw('case when first_at is null then ?::text else first_body end', [attempt.lastBody]),
        first_error: this.db.raw('case when first_at is null then ?::text else first_error end', [attempt.lastError]),
      });
  }

  /** newest first */
  async list(filter: NotificationFilter): Promise<NotificationRecord[]> {
    const query = this.db<NotificationRow>('notifications')
      .select('*')
      .orderBy([
        { column: 'created_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(clampLimit(filter.limit));
    if (filter.partner !== undefined) query.where('partner', filter.partner);
    if (filter.partnerTransId !== undefined) query.where('partner_trans_id', filter.partnerTransId);
    if (filter.status !== undefined) query.where('status', filter.status);
    return ((await query) as NotificationRow[]).map(fromRow);
  }

  /** pending again, due now, with a fresh retry schedule; null when unknown */
  async resend(id: string): Promise<NotificationRecord | null> {
    const rows = (await this.db('notifications')
      .where({ id })
      .update({ status: 'pending', next_at: this.db.fn.now(), attempts: 0, delivered_at: null })
      .returning('*')) as NotificationRow[];
    return rows[0] ? fromRow(rows[0]) : null;
  }
}
