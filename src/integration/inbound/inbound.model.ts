import { Field, ID, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { IsOptional } from 'class-validator';
import { JsonScalar } from '../../api/graphql/scalars.js';
import { Connection } from '../connection/connection.model.js';

export enum InboundMessageStatus {
  RECEIVED = 'RECEIVED',
  APPLIED = 'APPLIED',
  SKIPPED = 'SKIPPED',
  REJECTED = 'REJECTED',
  DISCARDED = 'DISCARDED',
}
registerEnumType(InboundMessageStatus, {
  name: 'InboundMessageStatus',
  description:
    'RECEIVED: stored, waiting to be applied (or retried); APPLIED: applied through the domain services; ' +
    'SKIPPED: nothing to apply (older than what was applied, an echo of what Keel sent, or unchanged); ' +
    'REJECTED: in the exception queue with its reasons; DISCARDED: closed by an operator.',
});

@ObjectType('FieldError', { description: 'A field-level error: in extensions.fields of BAD_USER_INPUT and in InboundMessage.errors.' })
export class FieldErrorType {
  @Field() path: string;
  @Field() message: string;
}

@ObjectType({ description: 'One staged external change (a webhook or a pulled record) and what became of it.' })
export class InboundMessage {
  connectionId: string;
  @Field(() => ID) id: string;
  @Field(() => Connection) connection?: Connection;
  @Field() topic: string;
  @Field({ description: 'The Keel type the external record maps to.' }) entityType: string;
  @Field() externalId: string;
  @Field({ description: 'What identifies a redelivery of this message.' }) dedupeKey: string;
  @Field(() => InboundMessageStatus) status: InboundMessageStatus;
  @Field(() => Int) attempts: number;
  @Field(() => [FieldErrorType], { description: 'Why it was rejected (or why the last attempt failed), field by field.' }) errors: FieldErrorType[];
  @Field(() => String, { nullable: true, description: 'Why it was skipped or discarded.' }) note: string | null;
  @Field() receivedAt: Date;
  @Field(() => Date, { nullable: true }) processedAt: Date | null;
  @Field(() => Date, { nullable: true, description: 'When a RECEIVED message is tried (again).' }) nextAttemptAt: Date | null;
  @Field(() => Date, { nullable: true }) externalUpdatedAt: Date | null;
  @Field(() => JsonScalar, { description: 'The payload as received (kept after a correction).' }) payload: unknown;
  @Field(() => JsonScalar, { nullable: true, description: 'The operator\'s corrected payload, applied instead of the original.' }) correctedPayload: unknown;
  @Field(() => ID, { nullable: true, description: 'The sync run that pulled it, if any.' }) syncRunId: string | null;
}

@InputType()
export class InboundMessageFilter {
  @Field(() => ID, { nullable: true }) @IsOptional() connectionId?: string | null;
  @Field(() => InboundMessageStatus, { nullable: true }) @IsOptional() status?: InboundMessageStatus | null;
}
