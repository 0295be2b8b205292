import { Decimal } from 'decimal.js';

/**
 * Money and rates are exact decimals end to end: NUMERIC in PostgreSQL, Decimal in code,
 * strings in the API. Amounts round half-up to cents, the rule invoices and tax lines use.
 */
export const Money = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_UP });
export type Money = Decimal;

export const ZERO = new Money(0);

/** Digits, an optional fraction, an optional leading minus: no exponents, no spaces, no thousands separators. */
const DECIMAL_PATTERN = /^-?\d{1,15}(\.\d{1,6})?$/;

export function isDecimalString(value: string): boolean {
  return DECIMAL_PATTERN.test(value);
}

export function money(value: string | number | Decimal): Decimal {
  return new Money(value);
}

/** Rounds to whole cents. */
export function cents(value: Decimal): Decimal {
  return value.toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
}

/** How PostgreSQL prints a non-negative NUMERIC with a scale of 2 or more: "10.0000", "0.082500". */
const NUMERIC_TEXT = /^(?:0|[1-9]\d*)\.\d{2,}$/;
const ZERO_CHAR = 48;

/** The API's canonical text: at least two decimals ("19.90"), more only where the value has them ("0.0825"). */
export function formatDecimal(value: Decimal | string): string {
  // Read paths serialize thousands of column values per page: those only need trailing zeros
  // past the second decimal trimmed, without parsing a Decimal.
  if (typeof value === 'string' && NUMERIC_TEXT.test(value)) {
    const shortest = value.indexOf('.') + 3;
    let end = value.length;
    while (end > shortest && value.charCodeAt(end - 1) === ZERO_CHAR) end--;
    return end === value.length ? value : value.slice(0, end);
  }
  const d = value instanceof Decimal ? value : new Money(value);
  return d.decimalPlaces() <= 2 ? d.toFixed(2) : d.toFixed();
}

export function sum(values: Decimal[]): Decimal {
  return values.reduce((acc, v) => acc.plus(v), ZERO);
}
