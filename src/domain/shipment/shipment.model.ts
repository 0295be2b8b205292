import { Field, ID, InputType, Int, ObjectType } from '@nestjs/graphql';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import { NestedInput } from '../../shared/validation.js';
import { Location } from '../location/location.model.js';
import { Order, OrderLine } from '../order/order.model.js';
import { Product } from '../product/product.model.js';

@ObjectType()
export class ShipmentLine {
  shipmentId: string;
  orderId: string;
  orderLineId: string;
  productId: string;
  @Field(() => ID) id: string;
  @Field(() => OrderLine) orderLine: OrderLine;
  @Field(() => Product) product: Product;
  @Field() sku: string;
  @Field(() => Int) quantity: number;
}

@ObjectType()
export class Shipment {
  orderId: string;
  locationId: string;
  @Field(() => ID) id: string;
  @Field(() => Order) order: Order;
  @Field(() => Location) location: Location;
  @Field(() => [ShipmentLine]) lines: ShipmentLine[];
  @Field(() => String, { nullable: true }) carrier: string | null;
  @Field(() => String, { nullable: true }) trackingNumber: string | null;
  @Field() shippedAt: Date;
}

@InputType()
export class FulfilLineInput {
  @Field(() => ID, { nullable: true }) @IsOptional() orderLineId?: string | null;
  @Field(() => String, { nullable: true, description: 'Names the line by SKU when the order has one line for it.' })
  @IsOptional() @IsString() sku?: string | null;
  @Field(() => Int) @IsInt({ message: 'must be a whole number' }) @Min(1, { message: 'must be at least 1' }) @Max(1_000_000) quantity: number;
}

@InputType()
export class FulfilOrderInput {
  @Field(() => ID) @IsString() orderId: string;
  @Field(() => [FulfilLineInput], { nullable: true, description: 'What ships; everything not yet shipped when omitted.' })
  @IsOptional() @IsArray() @ArrayMinSize(1, { message: 'must name at least one line, or be omitted to ship everything' }) @ArrayMaxSize(250)
  @NestedInput(() => FulfilLineInput)
  lines?: FulfilLineInput[] | null;
  @Field(() => String, { nullable: true }) @IsOptional() @IsString() @Length(1, 100) carrier?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @IsString() @Length(1, 100) trackingNumber?: string | null;
}
