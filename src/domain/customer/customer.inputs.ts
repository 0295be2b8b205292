import { Field, InputType, Int } from '@nestjs/graphql';
import type { Decimal } from 'decimal.js';
import { IsEmail, IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { DecimalScalar } from '../../api/graphql/scalars.js';
import { IsAmount, NestedInput } from '../../shared/validation.js';
import { CustomerStatus } from './customer.model.js';

export const CURRENCY = /^[A-Z]{3}$/;

@InputType()
export class AddressInput {
  @Field() @IsString() @Length(1, 200) line1: string;
  @Field(() => String, { nullable: true }) @IsOptional() @IsString() @Length(0, 200) line2?: string | null;
  @Field() @IsString() @Length(1, 100) city: string;
  @Field(() => String, { nullable: true }) @IsOptional() @IsString() @Length(0, 100) region?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @IsString() @Length(0, 20) postalCode?: string | null;
  @Field() @Matches(/^[A-Z]{2}$/, { message: 'must be an ISO 3166-1 alpha-2 code such as "US"' }) country: string;
}

@InputType()
export class CreateCustomerInput {
  @Field(() => String, { nullable: true, description: 'Unique; generated (C-000001) when omitted.' })
  @IsOptional() @Matches(/^[\w.-]{1,40}$/, { message: 'must be 1 to 40 letters, digits, dots, dashes or underscores' })
  code?: string | null;

  @Field() @IsString() @Length(1, 200) name: string;

  @Field(() => String, { nullable: true }) @IsOptional() @IsEmail({}, { message: 'must be an e-mail address' }) @Length(3, 254) email?: string | null;

  @Field(() => String, { nullable: true }) @IsOptional() @Matches(/^\+?[\d ()./-]{3,30}$/, { message: 'must be a phone number' }) phone?: string | null;

  @Field() @Matches(CURRENCY, { message: 'must be an ISO 4217 code such as "USD"' }) currency: string;

  @Field(() => AddressInput, { nullable: true }) @IsOptional() @NestedInput(() => AddressInput) billingAddress?: AddressInput | null;

  @Field(() => AddressInput, { nullable: true }) @IsOptional() @NestedInput(() => AddressInput) shippingAddress?: AddressInput | null;

  @Field(() => DecimalScalar, { nullable: true }) @IsOptional() @IsAmount() creditLimit?: Decimal | null;

  @Field(() => Int, { nullable: true, description: 'Days from issue to due date; 30 when omitted.' })
  @IsOptional() @IsInt() @Min(0) @Max(365) paymentTermsDays?: number | null;
}

@InputType()
export class UpdateCustomerInput {
  @Field(() => Int, { nullable: true, description: 'The version you read; a stale one is refused with CONFLICT.' })
  @IsOptional() @IsInt() version?: number | null;

  @Field(() => String, { nullable: true }) @IsOptional() @IsString() @Length(1, 200) name?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @IsEmail({}, { message: 'must be an e-mail address' }) @Length(3, 254) email?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @Matches(/^\+?[\d ()./-]{3,30}$/, { message: 'must be a phone number' }) phone?: string | null;
  @Field(() => CustomerStatus, { nullable: true }) @IsOptional() @IsIn(Object.values(CustomerStatus)) status?: CustomerStatus | null;
  @Field(() => AddressInput, { nullable: true }) @IsOptional() @NestedInput(() => AddressInput) billingAddress?: AddressInput | null;
  @Field(() => AddressInput, { nullable: true }) @IsOptional() @NestedInput(() => AddressInput) shippingAddress?: AddressInput | null;
  @Field(() => DecimalScalar, { nullable: true }) @IsOptional() @IsAmount() creditLimit?: Decimal | null;
  @Field(() => Int, { nullable: true }) @IsOptional() @IsInt() @Min(0) @Max(365) paymentTermsDays?: number | null;
}

@InputType()
export class CustomerFilter {
  @Field(() => String, { nullable: true, description: 'Matches name, code or e-mail (case-insensitive, partial).' })
  @IsOptional() @IsString() @Length(1, 200) search?: string | null;

  @Field(() => CustomerStatus, { nullable: true }) @IsOptional() status?: CustomerStatus | null;

  @Field(() => String, { nullable: true, description: 'Exact e-mail address, case-insensitive.' })
  @IsOptional() @IsString() @Length(1, 254) email?: string | null;
}
