import { Field, ID, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import type { Decimal } from 'decimal.js';
import { IsOptional } from 'class-validator';
import { DecimalScalar } from '../../api/graphql/scalars.js';
import { Customer } from '../customer/customer.model.js';
import { Order } from '../order/order.model.js';
import { Product } from '../product/product.model.js';
import { InvoiceStatus } from './invoice.state-machine.js';

registerEnumType(InvoiceStatus, { name: 'InvoiceStatus' });

@ObjectType()
export class InvoiceLine {
  invoiceId: string;
  productId: string | null;
  @Field(() => ID) id: string;
  @Field(() => Int) lineNo: number;
  @Field(() => Product, { nullable: true }) product: Product | null;
  @Field(() => String, { nullable: true }) sku: string | null;
  @Field() description: string;
  @Field(() => Int) quantity: number;
  @Field(() => DecimalScalar) unitPrice: Decimal | string;
  @Field(() => DecimalScalar) discount: Decimal | string;
  @Field(() => DecimalScalar) taxRate: Decimal | string;
  @Field(() => DecimalScalar) taxAmount: Decimal | string;
  @Field(() => DecimalScalar, { description: 'quantity × unitPrice − discount (before tax).' }) lineTotal: Decimal | string;
}

@ObjectType()
export class Invoice {
  orderId: string;
  customerId: string;
  @Field(() => ID) id: string;
  @Field() number: string;
  @Field(() => Order) order: Order;
  @Field(() => Customer) customer: Customer;
  @Field(() => InvoiceStatus) status: InvoiceStatus;
  @Field() currency: string;
  @Field(() => [InvoiceLine]) lines: InvoiceLine[];
  @Field(() => DecimalScalar) subtotal: Decimal | string;
  @Field(() => DecimalScalar) discountTotal: Decimal | string;
  @Field(() => DecimalScalar) shippingTotal: Decimal | string;
  @Field(() => DecimalScalar) taxTotal: Decimal | string;
  @Field(() => DecimalScalar) total: Decimal | string;
  @Field(() => DecimalScalar) amountPaid: Decimal | string;
  @Field(() => DecimalScalar, { description: 'total − amountPaid (0 once void).' }) amountDue: Decimal | string;
  @Field() issuedAt: Date;
  @Field({ description: 'ISO date (YYYY-MM-DD).' }) dueDate: string;
  @Field(() => Date, { nullable: true }) voidedAt: Date | null;
  @Field(() => Int) version: number;
}

@InputType()
export class InvoiceFilter {
  @Field(() => InvoiceStatus, { nullable: true }) @IsOptional() status?: InvoiceStatus | null;
  @Field(() => ID, { nullable: true }) @IsOptional() customerId?: string | null;
  @Field(() => ID, { nullable: true }) @IsOptional() orderId?: string | null;
}
