import { Field, ID, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { IsOptional, IsString, Length, Matches } from 'class-validator';
import { JsonScalar } from '../../api/graphql/scalars.js';

export enum ConnectionStatus {
  ACTIVE = 'ACTIVE',
  PAUSED = 'PAUSED',
}
registerEnumType(ConnectionStatus, {
  name: 'ConnectionStatus',
  description: 'A PAUSED connection takes no webhooks (404), applies nothing and sends nothing; its deliveries wait for resumeConnection.',
});

@ObjectType({ description: 'One configured instance of an adapter (one shop, one company). Secrets are write-only and never returned.' })
export class Connection {
  @Field(() => ID) id: string;
  @Field({ description: 'The adapter key, e.g. "shopify".' }) adapter: string;
  @Field() name: string;
  @Field(() => ConnectionStatus) status: ConnectionStatus;
  @Field(() => String, { nullable: true, description: 'Why the connection is paused, e.g. the vendor refused its credentials.' })
  statusReason: string | null;
  @Field(() => JsonScalar, { description: 'The adapter settings, without secrets.' }) config: Record<string, unknown>;
  @Field({ description: 'Where the tool sends webhooks: /webhooks/<id> (absolute when KEEL_PUBLIC_URL is set).' }) webhookUrl: string;
  @Field(() => [String], { description: 'The Keel scopes this connection acts with (its adapter\'s).' }) scopes: string[];
  @Field(() => [String], { description: 'Names of the secrets that are set (never their values).' }) secretFields: string[];
  @Field(() => Date, { nullable: true }) secretsRotatedAt: Date | null;
  @Field(() => Int) version: number;
  @Field() createdAt: Date;
  @Field() updatedAt: Date;
}

const NAME = /^[\w .:@-]{1,100}$/;
const NAME_MESSAGE = 'may hold 1 to 100 letters, digits, spaces and . : @ - _';

@InputType()
export class CreateConnectionInput {
  @Field({ description: 'A registered adapter key.' }) @IsString() @Length(1, 40) adapter: string;
  @Field({ description: 'Unique; the connection acts as `connection:<name>` in the audit log.' }) @Matches(NAME, { message: NAME_MESSAGE }) name: string;
  @Field(() => JsonScalar, { description: "Checked against the adapter's config schema." }) config: unknown;
  @Field(() => JsonScalar, { description: 'Write-only: encrypted at rest, never returned or logged.' }) secrets: unknown;
}

@InputType()
export class UpdateConnectionInput {
  @Field(() => String, { nullable: true }) @IsOptional() @Matches(NAME, { message: NAME_MESSAGE }) name?: string | null;
  @Field(() => JsonScalar, { nullable: true, description: 'Replaces the whole config; checked against the adapter\'s schema.' }) @IsOptional() config?: unknown;
  @Field(() => Int, { nullable: true, description: 'The version you read; a stale one is refused with CONFLICT.' }) @IsOptional() version?: number | null;
}
