import { digestBytes } from './digest.ts';

export interface Buyer {
  /** masked like a mainland mobile number: 159****1234 */
  loginId: string;
  /** 2088 + 12 digits */
  userId: string;
}

/** n decimal digits drawn from a hash of the seed */
function digitsFrom(seed: string, n: number): string {
  const hash = digestBytes('sha256', seed);
  let out = '';
  for (let i = 0; out.length < n; i++) out += String((hash[i % hash.length] ?? 0) % 10);
  return out;
}

/**
 * The buyer behind a payment code, derived deterministically so that the same code always shows the same
 * buyer (a pay retried with the same code answers the same fields).
 */
export function deriveBuyer(buyerIdentityCode: string): Buyer {
  const d = digitsFrom(`login:${buyerIdentityCode}`, 7);
  // second digit 3-9 keeps it looking like a mobile prefix (13x … 19x)
  const prefix = `1${3 + (Number(d[0]) % 7)}${d[1]}`;
  return {
    loginId: `${prefix}****${d.slice(3, 7)}`,
    userId: `2088${digitsFrom(`user:${buyerIdentityCode}`, 12)}`,
  };
}
