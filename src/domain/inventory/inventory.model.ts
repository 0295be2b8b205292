import { Field, ID, InputType, Int, ObjectType } from '@nestjs/graphql';
import { IsInt, IsOptional, IsString, Length, Max, Min, NotEquals } from 'class-validator';
import { Location } from '../location/location.model.js';
import { Product } from '../product/product.model.js';

@ObjectType()
export class InventoryLevel {
  productId: string;
  locationId: string;
  @Field(() => Product) product: Product;
  @Field(() => Location) location: Location;
  @Field(() => Int, { description: 'Units physically at the location.' }) onHand: number;
  @Field(() => Int, { description: 'Units promised to open orders.' }) reserved: number;
  @Field(() => Int, { description: 'onHand - reserved: what new orders can take.' }) available: number;
  @Field() updatedAt: Date;
}

@ObjectType()
export class InventoryChange {
  productId: string;
  locationId: string;
  @Field({ description: 'Position in the event stream (a 64-bit integer as a string); rises strictly. Resume with after.' })
  sequence: string;
  @Field(() => Product) product: Product;
  @Field(() => Location) location: Location;
  @Field(() => Int) onHand: number;
  @Field(() => Int) reserved: number;
  @Field(() => Int) available: number;
  @Field(() => Int, { description: 'Change of available.' }) delta: number;
  @Field(() => Int) onHandDelta: number;
  @Field(() => Int) reservedDelta: number;
  @Field() reason: string;
  @Field() occurredAt: Date;
}

const MAX_UNITS = 1_000_000;

@InputType()
export class ReceiveStockInput {
  @Field(() => ID, { nullable: true }) @IsOptional() productId?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @IsString() sku?: string | null;
  @Field(() => ID, { nullable: true }) @IsOptional() locationId?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @IsString() locationCode?: string | null;
  @Field(() => Int) @IsInt({ message: 'must be a whole number' }) @Min(1, { message: 'must be at least 1' }) @Max(MAX_UNITS) quantity: number;
  @Field(() => String, { nullable: true, description: '"received" when omitted.' }) @IsOptional() @IsString() @Length(1, 200) reason?: string | null;
}

@InputType()
export class AdjustInventoryInput {
  @Field(() => ID, { nullable: true }) @IsOptional() productId?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @IsString() sku?: string | null;
  @Field(() => ID, { nullable: true }) @IsOptional() locationId?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @IsString() locationCode?: string | null;
  @Field(() => Int, { description: 'Added to onHand; negative to remove. onHand never drops below reserved.' })
  @IsInt({ message: 'must be a whole number' }) @NotEquals(0, { message: 'must not be 0' }) @Min(-MAX_UNITS) @Max(MAX_UNITS) delta: number;
  @Field() @IsString() @Length(1, 200) reason: string;
}
