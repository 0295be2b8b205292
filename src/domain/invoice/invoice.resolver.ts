import { Args, Context, ID, Mutation, ObjectType, Query, ResolveField, Resolver } from '@nestjs/graphql';
import type { GqlContext } from '../../api/auth/request-context.js';
import { assertScope, Ctx, RequireScope } from '../../api/auth/scopes.guard.js';
import { Connection, PageArgsInput } from '../../api/graphql/connection.js';
import type { RequestContext } from '../../shared/context.js';
import { Customer } from '../customer/customer.model.js';
import { Order } from '../order/order.model.js';
import { Payment } from '../payment/payment.model.js';
import { Product } from '../product/product.model.js';
import { Invoice, InvoiceFilter, InvoiceLine } from './invoice.model.js';
import { InvoiceService } from './invoice.service.js';

@ObjectType()
export class InvoiceConnection extends Connection(Invoice) {}

@Resolver(() => Invoice)
export class InvoiceResolver {
  constructor(private readonly service: InvoiceService) {}

  @Query(() => Invoice)
  @RequireScope('invoices:read')
  invoice(@Args('id', { type: () => ID }) id: string, @Context() gql: GqlContext): Promise<Invoice> {
    return gql.loaders.invoice.required(id);
  }

  @Query(() => InvoiceConnection, { description: 'Newest first.' })
  @RequireScope('invoices:read')
  invoices(@Args() page: PageArgsInput, @Args('filter', { type: () => InvoiceFilter, nullable: true }) filter?: InvoiceFilter) {
    return this.service.list(page, filter);
  }

  @Mutation(() => Invoice, { description: 'Invoices everything on the order not yet invoiced.' })
  @RequireScope('invoices:write')
  issueInvoice(@Ctx() ctx: RequestContext, @Args('orderId', { type: () => ID }) orderId: string): Promise<Invoice> {
    return this.service.issue(ctx, orderId);
  }

  @Mutation(() => Invoice, { description: 'Only an invoice without payments can be voided.' })
  @RequireScope('invoices:write')
  voidInvoice(
    @Ctx() ctx: RequestContext,
    @Args('id', { type: () => ID }) id: string,
    @Args('reason', { type: () => String, nullable: true }) reason?: string,
  ): Promise<Invoice> {
    return this.service.void(ctx, id, reason);
  }

  @ResolveField(() => Order)
  order(invoice: Invoice, _args: unknown, gql: GqlContext): Promise<Order> {
    assertScope(gql, 'orders:read');
    return gql.loaders.order.required(invoice.orderId);
  }

  @ResolveField(() => Customer)
  customer(invoice: Invoice, _args: unknown, gql: GqlContext): Promise<Customer> {
    assertScope(gql, 'customers:read');
    return gql.loaders.customer.required(invoice.customerId);
  }

  @ResolveField(() => [InvoiceLine])
  lines(invoice: Invoice, _args: unknown, gql: GqlContext): Promise<InvoiceLine[]> {
    return gql.loaders.linesByInvoice.load(invoice.id);
  }

  @ResolveField(() => [Payment])
  payments(invoice: Invoice, _args: unknown, gql: GqlContext): Promise<Payment[]> {
    return gql.loaders.paymentsByInvoice.load(invoice.id);
  }
}

@Resolver(() => InvoiceLine)
export class InvoiceLineResolver {
  @ResolveField(() => Product, { nullable: true })
  product(line: InvoiceLine, _args: unknown, gql: GqlContext): Promise<Product | null> {
    return line.productId ? gql.loaders.product.load(line.productId) : Promise.resolve(null);
  }
}
