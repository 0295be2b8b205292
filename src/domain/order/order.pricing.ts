import type { Decimal } from 'decimal.js';
import { FieldErrors } from '../../shared/errors.js';
import { cents, sum, ZERO } from '../../shared/money.js';

export interface PricingLine {
  quantity: number;
  unitPrice: Decimal;
  discount?: Decimal | null;
  taxRate: Decimal;
  /** An amount a connected tool already charged; wins over the computed one so totals agree to the cent. */
  taxAmount?: Decimal | null;
}

export interface PricedLine {
  quantity: number;
  unitPrice: Decimal;
  gross: Decimal;
  discount: Decimal;
  taxRate: Decimal;
  taxAmount: Decimal;
  lineTotal: Decimal;
}

export interface OrderTotals {
  lines: PricedLine[];
  subtotal: Decimal;
  discountTotal: Decimal;
  shippingTotal: Decimal;
  shippingTax: Decimal;
  taxTotal: Decimal;
  total: Decimal;
}

/**
 * The order arithmetic, in one place: per line gross = quantity × unit price (to the cent),
 * tax = (gross − discount) × rate rounded half-up per line, and
 * total = subtotal − discountTotal + shippingTotal + taxTotal.
 */
export function priceOrder(lines: PricingLine[], shipping: { amount?: Decimal | null; tax?: Decimal | null } = {}, path = 'input'): OrderTotals {
  const errors = new FieldErrors();
  const priced = lines.map((line, i) => {
    const gross = cents(line.unitPrice.times(line.quantity));
    const discount = line.discount ?? ZERO;
    if (discount.gt(gross)) errors.add(`${path}.lines[${i}].discount`, `must not exceed the line amount ${gross.toFixed(2)}`);
    const net = gross.minus(discount);
    const taxAmount = line.taxAmount ?? cents(net.times(line.taxRate));
    return { quantity: line.quantity, unitPrice: line.unitPrice, gross, discount, taxRate: line.taxRate, taxAmount, lineTotal: net };
  });
  errors.throwIfAny();
  const subtotal = sum(priced.map((l) => l.gross));
  const discountTotal = sum(priced.map((l) => l.discount));
  const shippingTotal = shipping.amount ?? ZERO;
  const shippingTax = shipping.tax ?? ZERO;
  const taxTotal = sum(priced.map((l) => l.taxAmount)).plus(shippingTax);
  return {
    lines: priced,
    subtotal,
    discountTotal,
    shippingTotal,
    shippingTax,
    taxTotal,
    total: subtotal.minus(discountTotal).plus(shippingTotal).plus(taxTotal),
  };
}

