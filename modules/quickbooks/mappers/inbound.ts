import type { CanonicalCommand, Json } from '../../../src/integration/contract/index.js';
import { err, ok, type Result } from '../../../src/integration/contract/index.js';
import type { FieldError } from '../../../src/shared/errors.js';
import { cents, formatDecimal, money } from '../../../src/shared/money.js';

type Obj = { [key: string]: Json };
const isObj = (v: Json | undefined): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);

/**
 * A QuickBooks Payment as payments on the Keel invoices it applies to, one per invoice
 * (`<paymentId>:<invoiceId>`, so a redelivery or a second notice pays nothing twice). The
 * part of a payment left unapplied, or applied to other kinds of transaction, is not Keel's.
 */
export function paymentToCommands(payment: Json): Result<CanonicalCommand[], FieldError[]> {
  if (!isObj(payment) || typeof payment.Id !== 'string') return err([{ path: 'Id', message: 'is required (a QuickBooks Payment)' }]);
  const lines = Array.isArray(payment.Line) ? payment.Line : [];
  const errors: FieldError[] = [];
  const commands: CanonicalCommand[] = [];
  lines.forEach((line, i) => {
    if (!isObj(line)) return;
    const invoices = (Array.isArray(line.LinkedTxn) ? line.LinkedTxn : []).filter((t): t is Obj => isObj(t) && t.TxnType === 'Invoice');
    if (!invoices.length) return;
    if (invoices.length > 1) errors.push({ path: `Line[${i}].LinkedTxn`, message: 'links more than one invoice; QuickBooks gives one per line' });
    const raw = line.Amount;
    if ((typeof raw !== 'number' && typeof raw !== 'string') || !Number.isFinite(Number(raw)) || Number(raw) <= 0) {
      errors.push({ path: `Line[${i}].Amount`, message: `must be a positive amount, got ${JSON.stringify(raw ?? null)}` });
      return;
    }
    const invoiceId = String(invoices[0].TxnId);
    commands.push({
      kind: 'payment.record',
      externalId: `${payment.Id}:${invoiceId}`,
      invoiceExternalId: invoiceId,
      amount: formatDecimal(cents(money(String(raw)))),
      method: 'quickbooks',
      reference: typeof payment.PaymentRefNum === 'string' && payment.PaymentRefNum ? payment.PaymentRefNum : `QuickBooks payment ${payment.Id}`,
      receivedAt: typeof payment.TxnDate === 'string' ? payment.TxnDate : null,
    });
  });
  return errors.length ? err(errors) : ok(commands);
}
