import { Field, ID, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import type { Decimal } from 'decimal.js';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsInt, IsOptional, IsString, Length, Max, Min, Matches } from 'class-validator';
import { DecimalScalar } from '../../api/graphql/scalars.js';
import { IsAmount, IsRate, NestedInput } from '../../shared/validation.js';
import { Customer } from '../customer/customer.model.js';
import { Location } from '../location/location.model.js';
import { Product } from '../product/product.model.js';
import { OrderStatus } from './order.state-machine.js';

registerEnumType(OrderStatus, { name: 'OrderStatus' });

@ObjectType()
export class OrderLine {
  orderId: string;
  productId: string;
  @Field(() => ID) id: string;
  @Field(() => Int) lineNo: number;
  @Field(() => Product) product: Product;
  @Field({ description: 'The SKU as ordered.' }) sku: string;
  @Field(() => Int) quantity: number;
  @Field(() => DecimalScalar) unitPrice: Decimal | string;
  @Field(() => DecimalScalar, { description: 'Discount on this line, an amount.' }) discount: Decimal | string;
  @Field(() => DecimalScalar) taxRate: Decimal | string;
  @Field(() => DecimalScalar) taxAmount: Decimal | string;
  @Field(() => DecimalScalar, { description: 'quantity × unitPrice − discount (before tax).' }) lineTotal: Decimal | string;
  @Field(() => Int, { description: 'Units reserved at the order location and not yet shipped.' }) quantityReserved: number;
  @Field(() => Int) quantityFulfilled: number;
  @Field(() => Int) quantityInvoiced: number;
  @Field(() => Int, { description: 'Units neither reserved nor shipped: waiting for stock.' }) quantityBackordered: number;
}

@ObjectType()
export class Order {
  customerId: string;
  locationId: string;
  @Field(() => ID) id: string;
  @Field() number: string;
  @Field(() => Customer) customer: Customer;
  @Field(() => Location) location: Location;
  @Field(() => OrderStatus) status: OrderStatus;
  @Field() currency: string;
  @Field(() => [OrderLine]) lines: OrderLine[];
  @Field(() => DecimalScalar, { description: 'Σ quantity × unitPrice.' }) subtotal: Decimal | string;
  @Field(() => DecimalScalar) discountTotal: Decimal | string;
  @Field(() => DecimalScalar) shippingTotal: Decimal | string;
  @Field(() => DecimalScalar, { description: 'Line taxes plus tax on shipping.' }) taxTotal: Decimal | string;
  @Field(() => DecimalScalar, { description: 'subtotal − discountTotal + shippingTotal + taxTotal.' }) total: Decimal | string;
  @Field() placedAt: Date;
  @Field({ description: 'Where the order came from: "keel" for the API, or an adapter key such as "shopify".' }) source: string;
  @Field(() => Int) version: number;
  @Field() updatedAt: Date;
}

@InputType()
export class OrderLineInput {
  @Field(() => ID, { nullable: true }) @IsOptional() productId?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @IsString() @Length(1, 64) sku?: string | null;
  @Field(() => Int) @IsInt({ message: 'must be a whole number' }) @Min(1, { message: 'must be at least 1' }) @Max(1_000_000) quantity: number;
  @Field(() => DecimalScalar, { nullable: true, description: 'Overrides the list price.' }) @IsOptional() @IsAmount({ places: 4 }) unitPrice?: Decimal | null;
  @Field(() => DecimalScalar, { nullable: true, description: 'Discount amount for the whole line.' }) @IsOptional() @IsAmount() discount?: Decimal | null;
  @Field(() => DecimalScalar, { nullable: true, description: "Overrides the product's tax rate." }) @IsOptional() @IsRate() taxRate?: Decimal | null;
}

@InputType()
export class PlaceOrderInput {
  @Field(() => ID) @IsString() customerId: string;
  @Field(() => [OrderLineInput]) @IsArray() @ArrayMinSize(1, { message: 'must have at least one line' }) @ArrayMaxSize(250) @NestedInput(() => OrderLineInput)
  lines: OrderLineInput[];
  @Field(() => ID, { nullable: true, description: 'Where stock is reserved; the default location when omitted.' }) @IsOptional() locationId?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @IsString() locationCode?: string | null;
  @Field(() => Boolean, { nullable: true, description: 'Record a BACKORDERED order instead of refusing short stock.' })
  @IsOptional() @IsBoolean() allowBackorder?: boolean | null;
  @Field(() => DecimalScalar, { nullable: true }) @IsOptional() @IsAmount() shippingTotal?: Decimal | null;
  @Field(() => DecimalScalar, { nullable: true, description: 'Tax on shipping, added to taxTotal.' }) @IsOptional() @IsAmount() shippingTax?: Decimal | null;
  @Field(() => String, { nullable: true, description: 'Replaying the same key returns the first result.' })
  @IsOptional() @Matches(/^[\w.:\-]{1,200}$/, { message: 'must be 1 to 200 letters, digits or . : - _' }) idempotencyKey?: string | null;
}

@InputType()
export class OrderFilter {
  @Field(() => OrderStatus, { nullable: true }) @IsOptional() status?: OrderStatus | null;
  @Field(() => ID, { nullable: true }) @IsOptional() customerId?: string | null;
}
