import { Field, ID, InputType, ObjectType } from '@nestjs/graphql';
import type { Decimal } from 'decimal.js';
import { IsOptional, IsString, Length, Matches } from 'class-validator';
import { DecimalScalar } from '../../api/graphql/scalars.js';
import { IsAmount } from '../../shared/validation.js';
import { Invoice } from '../invoice/invoice.model.js';

@ObjectType()
export class Payment {
  invoiceId: string;
  @Field(() => ID) id: string;
  @Field(() => Invoice) invoice: Invoice;
  @Field(() => DecimalScalar) amount: Decimal | string;
  @Field(() => String, { nullable: true }) method: string | null;
  @Field(() => String, { nullable: true }) reference: string | null;
  @Field() receivedAt: Date;
}

@InputType()
export class RecordPaymentInput {
  @Field(() => ID) @IsString() invoiceId: string;
  @Field(() => DecimalScalar, { description: 'More than the amount due is refused.' }) @IsAmount({ positive: true }) amount: Decimal;
  @Field(() => String, { nullable: true, description: 'e.g. card, bank_transfer, cash.' }) @IsOptional() @IsString() @Length(1, 50) method?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @IsString() @Length(1, 200) reference?: string | null;
  @Field(() => Date, { nullable: true, description: 'When the money arrived; now when omitted.' }) @IsOptional() receivedAt?: Date | null;
  @Field(() => String, { nullable: true, description: 'Replaying the same key returns the first payment and pays nothing twice.' })
  @IsOptional() @Matches(/^[\w.:\-]{1,200}$/, { message: 'must be 1 to 200 letters, digits or . : - _' }) idempotencyKey?: string | null;
}
