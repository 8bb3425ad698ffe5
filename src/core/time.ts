// Alipay writes and reads times in GMT+8 (Beijing time), whatever the merchant's zone.

const GMT8_OFFSET_MS = 8 * 3600 * 1000;

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** the wall clock in GMT+8 as UTC fields of a shifted Date */
function gmt8(date: Date): Date {
  return new Date(date.getTime() + GMT8_OFFSET_MS);
}

/** yyyyMMdd of the GMT+8 calendar day */
export function formatGmt8Date(date: Date): string {
  const d = gmt8(date);
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}`;
}

/** yyyyMMddHHmmss in GMT+8 (alipay_pay_time) */
export function formatGmt8(date: Date): string {
  const d = gmt8(date);
  return `${formatGmt8Date(date)}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Whether a yyyyMMddHHmmss string is a real moment (not 20240230…, hour 24, …): validates trans_create_time, which
 * clients write in their own zone, so only the shape is checked. No regex or Date: every pay checks it. Years before
 * 100 are refused, as they were when this went through Date.UTC (which reads them as 19xx).
 */
export function isValidYmdHms(value: string): boolean {
  if (value.length !== 14) return false;
  for (let i = 0; i < 14; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  const num = (from: number, to: number) => Number(value.slice(from, to));
  const [y, mo, d, h, mi, s] = [num(0, 4), num(4, 6), num(6, 8), num(8, 10), num(10, 12), num(12, 14)];
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = mo === 2 && leap ? 29 : DAYS_IN_MONTH[mo - 1];
  return y >= 100 && days !== undefined && d >= 1 && d <= days && h < 24 && mi < 60 && s < 60;
}

/** true when both moments fall on the same calendar day in GMT+8 (cancel of a paid trade is same-day only) */
export function isSameGmt8Day(a: Date, b: Date): boolean {
  return formatGmt8Date(a) === formatGmt8Date(b);
}

/**
 * A 28-digit alipay_trans_id as in real captures: yyyyMMdd (GMT+8) + "2200" + 16 digits.
 * The digits come from the caller so that this stays pure.
 */
export function newAlipayTransId(now: Date, randomDigits: string): string {
  if (!/^\d{16}$/.test(randomDigits)) throw new Error('newAlipayTransId needs exactly 16 digits');
  return `${formatGmt8Date(now)}2200${randomDigits}`;
}
