/** formatDecimal's text fast path must give exactly what formatting through a Decimal gives. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDecimal, money } from '../../src/shared/money.js';

const viaDecimal = (text: string) => formatDecimal(money(text));

test('column texts format exactly as their Decimals do', () => {
  const samples = ['0.00', '0.0000', '10.0000', '10.5000', '9.9905', '0.082500', '0.000001', '1.10', '100000.50', '12345678901234567.89', '7.000100'];
  for (let i = 0; i < 2000; i++) {
    const whole = i % 3 === 0 ? '0' : String(Math.floor(Math.random() * 10 ** (1 + (i % 12))));
    const scale = 2 + (i % 5);
    const fraction = String(Math.floor(Math.random() * 10 ** scale)).padStart(scale, '0');
    samples.push(`${whole}.${fraction}`);
  }
  for (const text of samples) assert.equal(formatDecimal(text), viaDecimal(text), text);
});

test('other texts still go through a Decimal', () => {
  assert.equal(formatDecimal('5'), '5.00');
  assert.equal(formatDecimal('-1.5000'), '-1.50');
  assert.equal(formatDecimal('007.5'), '7.50');
  assert.equal(formatDecimal('0.5'), '0.50');
  assert.equal(formatDecimal(money('19.9')), '19.90');
});
