/**
 * The QuickBooks Online adapter. Keel owns customers, products and invoices and pushes
 * them out (an issued invoice becomes an Invoice, its customer and items created first);
 * payments finance records in QuickBooks come back (webhooks, then change data capture)
 * and are applied to the linked Keel invoices, never sent back.
 */
import { CONTRACT_VERSION, err, ok, type AdapterDefinition } from '../../src/integration/contract/index.js';
import { QuickBooksConfig, QuickBooksSecrets } from './config.js';
import { classifyQuickBooksError } from './errors.js';
import { paymentToCommands } from './mappers/inbound.js';
import { customerToQbo, invoiceToQbo, productToQbo } from './mappers/outbound.js';
import { fetchPayment, pullPayments } from './pull/payments.js';
import { pushToQuickBooks } from './push/push.js';
import { routeQuickBooks, verifyQuickBooks } from './webhooks/webhooks.js';

export { QuickBooksConfig, QuickBooksSecrets } from './config.js';
export { SIGNATURE_HEADER, signQuickBooks } from './webhooks/webhooks.js';

export const quickbooksAdapter: AdapterDefinition<QuickBooksConfig, QuickBooksSecrets> = {
  key: 'quickbooks',
  version: '1.0.0',
  contractRange: `^${CONTRACT_VERSION.split('.')[0]}.1.0`,
  displayName: 'QuickBooks Online',
  capabilities: {
    customers: { push: true },
    products: { push: true },
    invoices: { push: true },
    payments: { webhook: true, pull: true },
  },
  configSchema: QuickBooksConfig,
  secretsSchema: QuickBooksSecrets,
  scopes: ['invoices:write'],
  webhook: { verify: verifyQuickBooks, route: routeQuickBooks },
  pull: { page: pullPayments },
  fetch: { fetch: fetchPayment },
  mappers: {
    toCanonical(record) {
      if (record.entityType !== 'Payment') return err([{ path: 'entityType', message: `QuickBooks ${record.entityType} records are not taken in` }]);
      return paymentToCommands(record.payload);
    },
    toExternal(snapshot, ctx) {
      switch (snapshot.entityType) {
        case 'Customer':
          return ok(customerToQbo(snapshot.record));
        case 'Product':
          return ok(productToQbo(snapshot.record, ctx.settings));
        case 'Invoice':
          return ok(invoiceToQbo(snapshot.record, ctx.settings));
        default:
          return ok(null);
      }
    },
  },
  push: { push: pushToQuickBooks },
  classify: classifyQuickBooksError,
};
