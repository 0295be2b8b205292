import { Args, Context, ID, Mutation, ObjectType, Query, Resolver } from '@nestjs/graphql';
import { Ctx, RequireScope } from '../../api/auth/scopes.guard.js';
import type { GqlContext } from '../../api/auth/request-context.js';
import { Connection, PageArgsInput } from '../../api/graphql/connection.js';
import type { RequestContext } from '../../shared/context.js';
import { CreateCustomerInput, CustomerFilter, UpdateCustomerInput } from './customer.inputs.js';
import { Customer } from './customer.model.js';
import { CustomerService } from './customer.service.js';

@ObjectType()
export class CustomerConnection extends Connection(Customer) {}

@Resolver(() => Customer)
export class CustomerResolver {
  constructor(private readonly service: CustomerService) {}

  @Query(() => Customer)
  @RequireScope('customers:read')
  customer(@Args('id', { type: () => ID }) id: string, @Context() gql: GqlContext): Promise<Customer> {
    return gql.loaders.customer.required(id);
  }

  @Query(() => CustomerConnection)
  @RequireScope('customers:read')
  customers(@Args() page: PageArgsInput, @Args('filter', { type: () => CustomerFilter, nullable: true }) filter?: CustomerFilter) {
    return this.service.list(page, filter);
  }

  @Mutation(() => Customer)
  @RequireScope('customers:write')
  createCustomer(@Ctx() ctx: RequestContext, @Args('input') input: CreateCustomerInput): Promise<Customer> {
    return this.service.create(ctx, input);
  }

  @Mutation(() => Customer)
  @RequireScope('customers:write')
  updateCustomer(
    @Ctx() ctx: RequestContext,
    @Args('id', { type: () => ID }) id: string,
    @Args('input') input: UpdateCustomerInput,
  ): Promise<Customer> {
    return this.service.update(ctx, id, input);
  }
}
