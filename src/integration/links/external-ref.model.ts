import { Field, ID, ObjectType } from '@nestjs/graphql';
import { Connection } from '../connection/connection.model.js';

@ObjectType({ description: 'The link between a Keel record and its twin in a connected tool.' })
export class ExternalRef {
  connectionId: string;
  @Field(() => ID) id: string;
  @Field(() => Connection) connection?: Connection;
  @Field({ description: 'The adapter key of the connected tool, e.g. "shopify".' }) system: string;
  @Field({ description: "The record's id in the tool." }) externalId: string;
  @Field({ description: 'The Keel type name: "Customer", "Product", "Order", "Invoice", "Payment", ...' }) entityType: string;
  @Field(() => ID) entityId: string;
  @Field(() => String, { nullable: true, description: "The tool's version of the record (e.g. a SyncToken), as last seen." }) externalVersion: string | null;
  @Field(() => Date, { nullable: true, description: 'The last-modified time of the newest change applied from the tool.' }) externalUpdatedAt: Date | null;
  @Field(() => Date, { nullable: true, description: 'When Keel last sent the record to the tool.' }) lastPushedAt: Date | null;
  @Field() createdAt: Date;
  @Field() updatedAt: Date;
}
