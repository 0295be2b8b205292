import { Field, ID, InputType, Int, ObjectType } from '@nestjs/graphql';
import type { Decimal } from 'decimal.js';
import { IsBoolean, IsOptional, IsString, Length, Matches } from 'class-validator';
import { DecimalScalar } from '../../api/graphql/scalars.js';
import { IsAmount, IsRate } from '../../shared/validation.js';
import { CURRENCY } from '../customer/customer.inputs.js';

@ObjectType()
export class Product {
  @Field(() => ID) id: string;
  @Field({ description: 'Unique stock-keeping unit; how adapters match products.' }) sku: string;
  @Field() name: string;
  @Field(() => String, { nullable: true }) description: string | null;
  @Field(() => DecimalScalar, { description: 'List price per unit, before tax.' }) unitPrice: Decimal | string;
  @Field() currency: string;
  @Field(() => DecimalScalar, { description: 'Tax as a fraction of the net line amount, e.g. "0.2".' }) taxRate: Decimal | string;
  @Field({ description: 'Inactive products cannot be ordered.' }) active: boolean;
  @Field(() => Int) version: number;
  @Field() createdAt: Date;
  @Field() updatedAt: Date;
}

const SKU = /^[\w.\-/#+ ]{1,64}$/;
const SKU_MESSAGE = 'must be 1 to 64 letters, digits, spaces or . - _ / # +';

@InputType()
export class CreateProductInput {
  @Field() @Matches(SKU, { message: SKU_MESSAGE }) sku: string;
  @Field() @IsString() @Length(1, 200) name: string;
  @Field(() => String, { nullable: true }) @IsOptional() @IsString() @Length(0, 5000) description?: string | null;
  @Field(() => DecimalScalar) @IsAmount({ places: 4 }) unitPrice: Decimal;
  @Field() @Matches(CURRENCY, { message: 'must be an ISO 4217 code such as "USD"' }) currency: string;
  @Field(() => DecimalScalar, { nullable: true, description: '"0" when omitted.' }) @IsOptional() @IsRate() taxRate?: Decimal | null;
  @Field(() => Boolean, { nullable: true }) @IsOptional() @IsBoolean() active?: boolean | null;
}

@InputType()
export class UpdateProductInput {
  @Field(() => Int, { nullable: true, description: 'The version you read; a stale one is refused with CONFLICT.' })
  @IsOptional() version?: number | null;
  @Field(() => String, { nullable: true }) @IsOptional() @IsString() @Length(1, 200) name?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @IsString() @Length(0, 5000) description?: string | null;
  @Field(() => DecimalScalar, { nullable: true }) @IsOptional() @IsAmount({ places: 4 }) unitPrice?: Decimal | null;
  @Field(() => DecimalScalar, { nullable: true }) @IsOptional() @IsRate() taxRate?: Decimal | null;
  @Field(() => Boolean, { nullable: true }) @IsOptional() @IsBoolean() active?: boolean | null;
}

@InputType()
export class ProductFilter {
  @Field(() => String, { nullable: true, description: 'Matches SKU or name (case-insensitive, partial).' })
  @IsOptional() @IsString() @Length(1, 200) search?: string | null;
  @Field(() => Boolean, { nullable: true }) @IsOptional() @IsBoolean() active?: boolean | null;
}
