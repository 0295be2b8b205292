import { InvalidStateError } from '../../shared/errors.js';

export enum InvoiceStatus {
  ISSUED = 'ISSUED',
  PARTIALLY_PAID = 'PARTIALLY_PAID',
  PAID = 'PAID',
  VOID = 'VOID',
}

/** Payments move an invoice towards PAID; only an invoice without payments can be voided. */
const ALLOWED: Record<InvoiceStatus, readonly InvoiceStatus[]> = {
  [InvoiceStatus.ISSUED]: [InvoiceStatus.PARTIALLY_PAID, InvoiceStatus.PAID, InvoiceStatus.VOID],
  [InvoiceStatus.PARTIALLY_PAID]: [InvoiceStatus.PARTIALLY_PAID, InvoiceStatus.PAID],
  [InvoiceStatus.PAID]: [],
  [InvoiceStatus.VOID]: [],
};

export function assertInvoiceTransition(from: InvoiceStatus, to: InvoiceStatus, action: string): void {
  if (!ALLOWED[from].includes(to)) {
    throw new InvalidStateError(`Cannot ${action} an invoice that is ${from}`, { status: from, attempted: to });
  }
}
