// Asynchronous notifications: queued after a committed change, POSTed by a timer until the merchant says `success`.
import { randomBytes } from 'node:crypto';
import iconv from 'iconv-lite';
import { charsetLabel, normalizeCharset, type Charset } from '../core/charset.ts';
import { percentEncode } from '../core/form.ts';
import { buildNotification, notifyCharsetOf } from '../core/notify.ts';
import type { Params } from '../core/types.ts';
import type { NotificationStore } from '../store/notification-store.ts';
import type { NotificationAttempt, NotificationRecord } from '../store/records.ts';
import { timeOrderedId } from './ids.ts';
import type { Notice } from './run-request.ts';

/** waits after the 1st, 2nd, … failed attempt; the last one repeats */
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [15_000, 60_000, 180_000, 600_000, 1_800_000, 3_600_000, 7_200_000];
export const DEFAULT_MAX_ATTEMPTS = 8;
const DEFAULT_INTERVAL_MS = 500;
const DEFAULT_TIMEOUT_MS = 5000;
const BATCH = 20;
/** longer than a delivery can take, so that a claimed row is not claimed again while it is being sent */
const LEASE_SECONDS = 30;
const BODY_KEPT = 500;

export interface NotifierOptions {
  intervalMs?: number;
  retryDelaysMs?: readonly number[];
  maxAttempts?: number;
  timeoutMs?: number;
  onError?: (error: unknown) => void;
  /** told the outcome of every delivery attempt (the metrics count them) */
  onDelivery?: (outcome: 'delivered' | 'retry' | 'failed') => void;
}

/**
 * Queues what `notices` tell, one insert each, only where there is somewhere to send it: a refund's own
 * notify_url (with its request's charset) wins over the pay's, and the pay's over the partner's default
 * (`partnerNotifyUrl`, sent in the charset of the request that caused the notification).
 */
export async function enqueueNotices(
  notifications: NotificationStore,
  notices: readonly Notice[],
  context: { key: string; now: Date; at: Date; params: Params; charset: Charset; partnerNotifyUrl?: string | null },
): Promise<void> {
  for (const notice of notices) {
    const own = notice.event === 'refunded' ? context.params.notify_url || undefined : undefined;
    const url = own ?? notice.trade.notifyUrl ?? context.partnerNotifyUrl;
    if (!url) continue;
    const charset = own || !notice.trade.notifyUrl ? context.charset : notifyCharsetOf(notice.trade);
    const params = buildNotification(notice.trade, notice.event, {
      now: context.now,
      notifyId: randomBytes(16).toString('hex'),
      key: context.key,
      charset,
      ...(notice.refund ? { refund: notice.refund } : {}),
    });
    await notifications.insert({
      id: timeOrderedId(),
      partner: notice.trade.partner,
      partnerTransId: notice.trade.partnerTransId,
      url,
      params,
      charset,
      event: notice.event,
      createdAt: context.at,
      partnerAt: context.now,
    });
  }
}

/** application/x-www-form-urlencoded in `charset`: every byte outside the unreserved set percent-encoded, so ASCII */
export function encodeFormBody(params: Readonly<Record<string, string>>, charset: Charset): string {
  const encodeText = (text: string): string => percentEncode(charset === 'utf-8' ? Buffer.from(text, 'utf8') : iconv.encode(text, 'gbk'));
  return Object.entries(params).map(([name, value]) => `${encodeText(name)}=${encodeText(value)}`).join('&');
}

export interface PostResult {
  /** the HTTP status, or null when none came */
  status: number | null;
  /** the answer body (its first 500 characters) */
  body: string | null;
  /** why it does not count as delivered; null when it does */
  error: string | null;
  /** the body, trimmed, is exactly `success` */
  delivered: boolean;
}

/** true for the URLs a notification can go to */
export function notifiableUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** One POST of a notification's parameters, as the gateway sends it: no redirects followed, a time limit. */
export async function postNotification(target: string, params: Readonly<Record<string, string>>, charset: Charset, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<PostResult> {
  const failed = (error: string): PostResult => ({ status: null, body: null, error, delivered: false });
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return failed(`not a URL: ${target.slice(0, 200)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return failed(`only http and https URLs are notified, not ${url.protocol}`);
  let status: number | null = null;
  let body: string | null = null;
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': `application/x-www-form-urlencoded; charset=${charsetLabel(charset)}` },
      body: encodeFormBody(params, charset),
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    status = response.status;
    body = (await response.text()).slice(0, BODY_KEPT);
    if (body.trim() === 'success') return { status, body, error: null, delivered: true };
    return { status, body, error: `answered ${status} without "success"`, delivered: false };
  } catch (caught) {
    const e = caught as Error & { cause?: { message?: string } };
    const error = e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : `${e.message}${e.cause?.message ? `: ${e.cause.message}` : ''}`;
    return { status, body, error, delivered: false };
  }
}

/** Delivers due notifications every interval. Never throws out of the timer; stop() waits for the round in flight. */
export class Notifier {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private readonly intervalMs: number;
  private readonly retryDelaysMs: readonly number[];
  private readonly maxAttempts: number;
  private readonly timeoutMs: number;
  private readonly onError: (error: unknown) => void;
  private readonly onDelivery: (outcome: 'delivered' | 'retry' | 'failed') => void;

  constructor(private readonly store: NotificationStore, options: NotifierOptions = {}) {
    this.intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
    this.retryDelaysMs = options.retryDelaysMs?.length ? options.retryDelaysMs : DEFAULT_RETRY_DELAYS_MS;
    this.maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.onError = options.onError ?? ((error) => console.error(error));
    this.onDelivery = options.onDelivery ?? (() => {});
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** one round: claim what is due and send it; a round still running is not overlapped */
  tick(): Promise<void> {
    this.running ??= this.round()
      .catch(this.onError)
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  private async round(): Promise<void> {
    const due = await this.store.claimDue(BATCH, LEASE_SECONDS);
    await Promise.all(due.map((n) => this.deliver(n).catch(this.onError)));
  }

  private async deliver(notification: NotificationRecord): Promise<void> {
    const attempt = await this.send(notification);
    await this.store.finishAttempt(notification.id, attempt);
    this.onDelivery(attempt.status === 'pending' ? 'retry' : attempt.status);
  }

  private async send(n: NotificationRecord): Promise<NotificationAttempt> {
    // a URL that can never be delivered fails at once, without retries
    if (!notifiableUrl(n.url)) {
      const { error } = await postNotification(n.url, n.params, 'gbk');
      return { status: 'failed', nextAt: new Date(), lastStatus: null, lastBody: null, lastError: error };
    }
    const result = await postNotification(n.url, n.params, normalizeCharset(n.charset) ?? 'gbk', this.timeoutMs);
    const { status, body, error } = result;
    if (result.delivered) return { status: 'delivered', nextAt: new Date(), lastStatus: status, lastBody: body, lastError: null };
    if (n.attempts >= this.maxAttempts) return { status: 'failed', nextAt: new Date(), lastStatus: status, lastBody: body, lastError: `${error}; gave up after ${n.attempts} attempts` };
    const delay = this.retryDelaysMs[Math.min(n.attempts - 1, this.retryDelaysMs.length - 1)]!;
    return { status: 'pending', nextAt: new Date(Date.now() + delay), lastStatus: status, lastBody: body, lastError: error };
  }
}
