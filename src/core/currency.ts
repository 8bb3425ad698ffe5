import type { Decimals } from './money.ts';

/** the settlement currencies of spot pay (protocol §4.1, D-PAY Chinese list) */
export const SUPPORTED_CURRENCIES: readonly string[] = [
  'GBP', 'HKD', 'USD', 'SGD', 'JPY', 'CAD', 'AUD', 'EUR', 'NZD', 'KRW', 'THB', 'CHF', 'SEK',
  'DKK', 'NOK', 'MYR', 'IDR', 'PHP', 'MUR', 'ILS', 'LKR', 'RUB', 'AED', 'CZK', 'ZAR', 'CNY',
];

/** amounts in these are whole numbers (C-MEL: "日元，韩元取整数") */
export const ZERO_DECIMAL_CURRENCIES: readonly string[] = ['JPY', 'KRW'];

/**
 * Fixed exchange rates to CNY, as the 8-decimal strings the gateway answers. USD is the 7.10000000 of the
 * worked examples (protocol §6) so the published vectors hold; the others are plausible, not live, figures.
 */
export const EXCHANGE_RATES_TO_CNY: Readonly<Record<string, string>> = {
  GBP: '9.10000000',
  HKD: '0.91000000',
  USD: '7.10000000',
  SGD: '5.30000000',
  JPY: '0.04800000',
  CAD: '5.20000000',
  AUD: '4.70000000',
  EUR: '7.80000000',
  NZD: '4.30000000',
  KRW: '0.00530000',
  THB: '0.20000000',
  CHF: '8.10000000',
  SEK: '0.68000000',
  DKK: '1.05000000',
  NOK: '0.67000000',
  MYR: '1.52000000',
  IDR: '0.00045000',
  PHP: '0.12700000',
  MUR: '0.15600000',
  ILS: '1.95000000',
  LKR: '0.02200000',
  RUB: '0.08000000',
  AED: '1.93000000',
  CZK: '0.31000000',
  ZAR: '0.39000000',
  CNY: '1.00000000',
};

/** exact match: the gateway wants upper-case codes */
export function isSupportedCurrency(code: string): boolean {
  return SUPPORTED_CURRENCIES.includes(code);
}

export function currencyDecimals(code: string): Decimals {
  return ZERO_DECIMAL_CURRENCIES.includes(code) ? 0 : 2;
}

/** the rate to CNY as an 8-decimal string; throws for a currency that is not supported */
export function exchangeRate(code: string): string {
  const rate = EXCHANGE_RATES_TO_CNY[code];
  if (rate === undefined) throw new Error(`unsupported currency: ${code}`);
  return rate;
}
