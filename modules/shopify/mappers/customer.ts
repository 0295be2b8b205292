import type { CustomerDraft, UpsertCustomerCommand } from '../../../src/integration/contract/index.js';
import type { FieldError } from '../../../src/shared/errors.js';
import { DEFAULT_CURRENCY, type ShopifyConfig } from '../config.js';
import type { ShopifyRecord } from '../envelopes.js';
import { address, personName, text } from './fields.js';

export function customerDraft(customer: ShopifyRecord, currency: string): CustomerDraft | null {
  const email = text(customer.email);
  const name = personName(customer) ?? email;
  if (!name) return null;
  const home = address(customer.default_address);
  return { name, email, phone: text(customer.phone), currency, billingAddress: home, shippingAddress: home };
}

/** customers/create|update: matched by link, then by e-mail, else created. */
export function mapCustomer(externalId: string, customer: ShopifyRecord, settings: ShopifyConfig): UpsertCustomerCommand | FieldError[] {
  const data = customerDraft(customer, text(customer.currency) ?? settings.currency ?? DEFAULT_CURRENCY);
  if (!data) return [{ path: 'first_name', message: 'the customer has neither a name nor an e-mail address' }];
  return { kind: 'customer.upsert', externalId, matchByEmail: true, data };
}
