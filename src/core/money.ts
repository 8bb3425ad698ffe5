// Amounts travel as decimal strings on the wire and as integer minor units inside, so sums never drift.

/** what the gateway accepts for trans_amount / refund_amount: digits, at most two decimals */
export const AMOUNT_PATTERN = /^\d+(\.\d{1,2})?$/;

/** the largest amount the gateway accepts, in major units (Number(11,2): 0.01–100000000.00) */
export const MAX_AMOUNT_MAJOR = 100_000_000;

export type Decimals = 0 | 2;

/**
 * A well-formed amount string as minor units of a currency with `decimals` decimals, or null.
 * For zero-decimal currencies a fraction is accepted only when it is zero ("100.00" is 100 yen).
 * No range check: see `amountProblem`.
 */
export function parseAmount(value: string, decimals: Decimals): number | null {
  if (!AMOUNT_PATTERN.test(value)) return null;
  const [intPart = '', fraction = ''] = value.split('.');
  const digits = intPart.replace(/^0+(?=\d)/, '');
  // longer than any accepted amount: refuse before Number() loses precision
  if (digits.length > 15) return null;
  const major = Number(digits);
  if (decimals === 0) return /^0*$/.test(fraction) ? major : null;
  return major * 100 + Number(fraction.padEnd(2, '0'));
}

/** why an amount string is not acceptable (format or range), or null when it is */
export function amountProblem(value: string, decimals: Decimals): string | null {
  const minor = parseAmount(value, decimals);
  if (minor === null) {
    return decimals === 0 ? 'must be a whole number for this currency' : 'must be a number with at most 2 decimals';
  }
  const max = MAX_AMOUNT_MAJOR * 10 ** decimals;
  if (minor < 1 || minor > max) {
    return decimals === 0 ? `must be between 1 and ${MAX_AMOUNT_MAJOR}` : `must be between 0.01 and ${MAX_AMOUNT_MAJOR}.00`;
  }
  return null;
}

/** minor units as the gateway writes them: "10.00", "0.01"; whole numbers for zero-decimal currencies */
export function formatAmount(minor: number, decimals: Decimals): string {
  if (decimals === 0) return String(minor);
  const cents = String(minor % 100).padStart(2, '0');
  return `${Math.floor(minor / 100)}.${cents}`;
}

/** a non-negative decimal string as an integer and its number of decimals: "7.10000000" → 710000000n, 8 */
function parseDecimal(value: string): { units: bigint; scale: number } {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(value);
  if (!match) throw new Error(`not a decimal: ${value}`);
  const fraction = match[2] ?? '';
  return { units: BigInt((match[1] ?? '0') + fraction), scale: fraction.length };
}

/**
 * round(amount × rate, 2), half-up, as a 2-decimal string (trans_amount_cny, refund_amount_cny).
 * Done in integers: 0.01 × 7.10000000 = 0.071 must give "0.07", and float products near .xx5 would not round reliably.
 */
export function convertAmount(minor: number, decimals: Decimals, rate: string): string {
  const { units, scale } = parseDecimal(rate);
  const product = BigInt(minor) * units; // scale: decimals + scale
  const drop = decimals + scale - 2;
  let cents: bigint;
  if (drop <= 0) {
    cents = product * 10n ** BigInt(-drop);
  } else {
    const divisor = 10n ** BigInt(drop);
    cents = (product + divisor / 2n) / divisor;
  }
  const whole = cents / 100n;
  const rest = (cents % 100n).toString().padStart(2, '0');
  return `${whole}.${rest}`;
}
