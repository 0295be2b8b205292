import { Field, ID, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { IsOptional } from 'class-validator';
import { Connection } from '../connection/connection.model.js';

export enum DeliveryStatus {
  PENDING = 'PENDING',
  SUCCEEDED = 'SUCCEEDED',
  DEAD = 'DEAD',
}
registerEnumType(DeliveryStatus, { name: 'DeliveryStatus', description: 'PENDING until sent (retried with backoff); DEAD after its last attempt, until retryDelivery.' });

@ObjectType({ description: 'One outbox event on its way to one connection.' })
export class Delivery {
  connectionId: string;
  @Field(() => ID, { description: "Also the idempotency key the tool receives: the same on every retry." }) id: string;
  @Field(() => Connection) connection?: Connection;
  @Field({ description: 'The outbox event type, e.g. "product.updated".' }) event: string;
  @Field(() => ID) eventId: string;
  @Field({ description: 'The event sequence (a 64-bit integer as a string).' }) eventSequence: string;
  @Field() entityType: string;
  @Field(() => ID) entityId: string;
  @Field(() => DeliveryStatus) status: DeliveryStatus;
  @Field(() => Int) attempts: number;
  @Field(() => String, { nullable: true }) lastError: string | null;
  @Field(() => String, { nullable: true, description: 'transient, rate_limited, auth, not_found, conflict, validation or permanent.' }) lastErrorKind: string | null;
  @Field(() => String, { nullable: true, description: 'Why a delivery succeeded without sending anything.' }) note: string | null;
  @Field(() => String, { nullable: true, description: "The record's id in the tool, once sent." }) externalId: string | null;
  @Field(() => Date, { nullable: true, description: 'When a PENDING delivery is tried (again).' }) nextAttemptAt: Date | null;
  @Field() createdAt: Date;
  @Field(() => Date, { nullable: true }) deliveredAt: Date | null;
}

@InputType()
export class DeliveryFilter {
  @Field(() => ID, { nullable: true }) @IsOptional() connectionId?: string | null;
  @Field(() => DeliveryStatus, { nullable: true }) @IsOptional() status?: DeliveryStatus | null;
}
