import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { currencyDecimals, exchangeRate, isSupportedCurrency, SUPPORTED_CURRENCIES, EXCHANGE_RATES_TO_CNY } from '../../src/core/currency.ts';
import { amountProblem, convertAmount, formatAmount, parseAmount } from '../../src/core/money.ts';

describe('parseAmount', () => {
  it('reads decimal strings as minor units', () => {
    assert.equal(parseAmount('0.01', 2), 1);
    assert.equal(parseAmount('12.5', 2), 1250);
    assert.equal(parseAmount('10', 2), 1000);
    assert.equal(parseAmount('100000000.00', 2), 10_000_000_000);
    assert.equal(parseAmount('007.50', 2), 750);
  });
  it('refuses what the gateway refuses', () => {
    for (const bad of ['', '-1', 'abc', '1.234', '1.', '.5', '1,00', ' 1', '1e3', '+1']) {
      assert.equal(parseAmount(bad, 2), null, bad);
    }
  });
  it('takes whole numbers for zero-decimal currencies, and a zero fraction', () => {
    assert.equal(parseAmount('100', 0), 100);
    assert.equal(parseAmount('100.00', 0), 100);
    assert.equal(parseAmount('100.5', 0), null);
  });
});

describe('amountProblem', () => {
  it('accepts 0.01 to 100000000.00', () => {
    assert.equal(amountProblem('0.01', 2), null);
    assert.equal(amountProblem('100000000.00', 2), null);
    assert.equal(amountProblem('1', 0), null);
    assert.equal(amountProblem('100000000', 0), null);
  });
  it('names what is wrong', () => {
    assert.match(amountProblem('0.00', 2) ?? '', /between 0.01/);
    assert.match(amountProblem('100000000.01', 2) ?? '', /between/);
    assert.match(amountProblem('99999999999999999999', 2) ?? '', /at most 2 decimals|between/);
    assert.match(amountProblem('1.234', 2) ?? '', /2 decimals/);
    assert.match(amountProblem('0', 0) ?? '', /between 1/);
    assert.match(amountProblem('1.5', 0) ?? '', /whole number/);
  });
});

describe('formatAmount', () => {
  it('writes two decimals, or a whole number for JPY/KRW', () => {
    assert.equal(formatAmount(1, 2), '0.01');
    assert.equal(formatAmount(1000, 2), '10.00');
    assert.equal(formatAmount(1250, 2), '12.50');
    assert.equal(formatAmount(10_000_000_000, 2), '100000000.00');
    assert.equal(formatAmount(500, 0), '500');
  });
});

describe('convertAmount', () => {
  it('rounds amount × rate to 2 decimals, half-up (the protocol §6 vector)', () => {
    assert.equal(convertAmount(1, 2, '7.10000000'), '0.07');
    assert.equal(convertAmount(1, 2, '6.64640000'), '0.07');
    assert.equal(convertAmount(1000, 2, '7.10000000'), '71.00');
  });
  it('rounds an exact half up, where floats would not', () => {
    // 1.15 × 1.5 = 1.725; 1.725 as a float is 1.72499999…
    assert.equal(convertAmount(115, 2, '1.50000000'), '1.73');
    assert.equal(convertAmount(5, 2, '0.10000000'), '0.01');
    assert.equal(convertAmount(4, 2, '0.10000000'), '0.00');
  });
  it('handles zero-decimal currencies and large amounts', () => {
    assert.equal(convertAmount(100, 0, '0.04800000'), '4.80');
    assert.equal(convertAmount(10_000_000_000, 2, '9.10000000'), '910000000.00');
  });
});

describe('currencies', () => {
  it('lists the §4.1 currencies, each with an 8-decimal rate', () => {
    assert.equal(SUPPORTED_CURRENCIES.length, 26);
    for (const code of SUPPORTED_CURRENCIES) assert.match(exchangeRate(code), /^\d+\.\d{8}$/, code);
    assert.deepEqual(Object.keys(EXCHANGE_RATES_TO_CNY).sort(), [...SUPPORTED_CURRENCIES].sort());
    assert.equal(exchangeRate('USD'), '7.10000000');
  });
  it('is exact about codes and decimals', () => {
    assert.equal(isSupportedCurrency('USD'), true);
    assert.equal(isSupportedCurrency('usd'), false);
    assert.equal(isSupportedCurrency('XYZ'), false);
    assert.equal(currencyDecimals('JPY'), 0);
    assert.equal(currencyDecimals('KRW'), 0);
    assert.equal(currencyDecimals('USD'), 2);
    assert.throws(() => exchangeRate('XYZ'));
  });
});
