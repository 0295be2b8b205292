import { Field, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import type { Decimal } from 'decimal.js';
import { DecimalScalar } from '../../api/graphql/scalars.js';

export enum CustomerStatus {
  ACTIVE = 'ACTIVE',
  BLOCKED = 'BLOCKED',
}
registerEnumType(CustomerStatus, { name: 'CustomerStatus', description: 'A BLOCKED customer cannot place orders.' });

@ObjectType()
export class Address {
  @Field() line1: string;
  @Field(() => String, { nullable: true }) line2?: string | null;
  @Field() city: string;
  @Field(() => String, { nullable: true }) region?: string | null;
  @Field(() => String, { nullable: true }) postalCode?: string | null;
  @Field({ description: 'ISO 3166-1 alpha-2 country code.' }) country: string;
}

@ObjectType()
export class Customer {
  @Field(() => ID) id: string;
  @Field() code: string;
  @Field() name: string;
  @Field(() => String, { nullable: true }) email: string | null;
  @Field(() => String, { nullable: true }) phone: string | null;
  @Field({ description: 'ISO 4217 currency the customer is billed in.' }) currency: string;
  @Field(() => CustomerStatus) status: CustomerStatus;
  @Field(() => Address, { nullable: true }) billingAddress: Address | null;
  @Field(() => Address, { nullable: true }) shippingAddress: Address | null;
  @Field(() => DecimalScalar, { nullable: true, description: 'Orders that would take the balance above this are refused.' })
  creditLimit: Decimal | string | null;
  @Field(() => DecimalScalar, { description: 'What the customer owes on issued invoices.' }) balance: Decimal | string;
  @Field(() => Int) paymentTermsDays: number;
  @Field(() => Int, { description: 'Increases with every change; pass it to updateCustomer for optimistic concurrency.' })
  version: number;
  @Field() createdAt: Date;
  @Field() updatedAt: Date;
}
