import { Field, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { JsonScalar } from '../../api/graphql/scalars.js';
import { Connection } from '../connection/connection.model.js';
import { FieldErrorType } from '../inbound/inbound.model.js';

export enum SyncRunStatus {
  RUNNING = 'RUNNING',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
}
registerEnumType(SyncRunStatus, { name: 'SyncRunStatus', description: 'RUNNING while pages are pulled (and retried); the records then go through the inbound staging like webhooks.' });

@ObjectType({ description: 'A pull of one entity type from a connected tool, page by page, into the inbound staging table.' })
export class SyncRun {
  connectionId: string;
  @Field(() => ID) id: string;
  @Field(() => Connection) connection?: Connection;
  @Field({ description: 'The resource pulled, e.g. "products".' }) entity: string;
  @Field(() => SyncRunStatus) status: SyncRunStatus;
  @Field(() => JsonScalar, { description: '{ pages, fetched, staged, duplicates, applied, skipped, rejected, pending }: staged records are applied by the inbound worker.' })
  counts: Record<string, number>;
  @Field(() => [FieldErrorType]) errors: FieldErrorType[];
  @Field(() => JsonScalar, { nullable: true, description: 'Where the next page starts (advanced only after a page is stored).' }) checkpoint: unknown;
  @Field(() => Int) attempts: number;
  @Field({ description: 'Read from the start; on success, links to records the tool no longer has are removed.' }) full: boolean;
  @Field() startedAt: Date;
  @Field(() => Date, { nullable: true }) finishedAt: Date | null;
}
