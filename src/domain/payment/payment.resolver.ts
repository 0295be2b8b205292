import { Args, Mutation, ResolveField, Resolver } from '@nestjs/graphql';
import type { GqlContext } from '../../api/auth/request-context.js';
import { Ctx, RequireScope } from '../../api/auth/scopes.guard.js';
import type { RequestContext } from '../../shared/context.js';
import { Invoice } from '../invoice/invoice.model.js';
import { Payment, RecordPaymentInput } from './payment.model.js';
import { PaymentService } from './payment.service.js';

@Resolver(() => Payment)
export class PaymentResolver {
  constructor(private readonly payments: PaymentService) {}

  @Mutation(() => Payment)
  @RequireScope('invoices:write')
  recordPayment(@Ctx() ctx: RequestContext, @Args('input') input: RecordPaymentInput): Promise<Payment> {
    return this.payments.record(ctx, input);
  }

  @ResolveField(() => Invoice)
  invoice(payment: Payment, _args: unknown, gql: GqlContext): Promise<Invoice> {
    return gql.loaders.invoice.required(payment.invoiceId);
  }
}
