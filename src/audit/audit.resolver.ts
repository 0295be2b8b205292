import { Field, ID, InputType, ObjectType, Args, Query, Resolver } from '@nestjs/graphql';
import { Injectable } from '@nestjs/common';
import { IsOptional, IsString, Length } from 'class-validator';
import { RequireScope } from '../api/auth/scopes.guard.js';
import { Connection, PageArgsInput } from '../api/graphql/connection.js';
import { JsonScalar } from '../api/graphql/scalars.js';
import { Database } from '../infrastructure/database/database.js';
import { ValidationError } from '../shared/errors.js';
import { isUuid } from '../shared/ids.js';
import { decodeCursor, pageSize, type Page, type PageArgs } from '../shared/pagination.js';
import { listPage } from '../infrastructure/database/list-page.js';
import { validateInput } from '../shared/validation.js';

@ObjectType()
export class AuditEntry {
  @Field(() => ID) id: string;
  @Field() at: Date;
  @Field({ description: 'admin, api-key:<name>, connection:<name> or system.' }) actor: string;
  @Field({ description: 'What happened, e.g. order.placed.' }) action: string;
  @Field() entityType: string;
  @Field(() => ID, { nullable: true }) entityId: string | null;
  @Field(() => JsonScalar, { description: '{ field: { before, after } } for each changed field.' }) changes: unknown;
  @Field(() => String, { nullable: true }) correlationId: string | null;
  @Field(() => String, { nullable: true, description: 'The inbound message or delivery behind the change.' }) cause: string | null;
}

@ObjectType()
export class AuditEntryConnection extends Connection(AuditEntry) {}

@InputType()
export class AuditFilter {
  @Field(() => String, { nullable: true }) @IsOptional() @IsString() @Length(1, 100) entityType?: string | null;
  @Field(() => ID, { nullable: true }) @IsOptional() entityId?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @IsString() @Length(1, 200) actor?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @IsString() @Length(1, 200) correlationId?: string | null;
}

@Injectable()
export class AuditService {
  constructor(private readonly db: Database) {}

  async list(args: PageArgs, filterInput: AuditFilter | null | undefined): Promise<Page<AuditEntry>> {
    const first = pageSize(args);
    const after = decodeCursor(args.after);
    const filter = validateInput(AuditFilter, filterInput ?? {}, 'filter');
    if (filter.entityId != null && !isUuid(filter.entityId)) throw ValidationError.of('filter.entityId', 'must be a UUID');
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.entityType) where.push(`a.entity_type = $${params.push(filter.entityType)}`);
    if (filter.entityId) where.push(`a.entity_id = $${params.push(filter.entityId)}`);
    if (filter.actor) where.push(`a.actor = $${params.push(filter.actor)}`);
    if (filter.correlationId) where.push(`a.correlation_id = $${params.push(filter.correlationId)}`);
    return listPage<AuditEntry>(this.db, { first, after }, {
      columns: `a.id, a.at, a.actor, a.action, a.entity_type AS "entityType", a.entity_id AS "entityId", a.changes,
                a.correlation_id AS "correlationId", a.cause`,
      from: 'audit_log a',
      sortColumn: 'a.at',
      idColumn: 'a.id',
      where,
      params,
    });
  }
}

@Resolver(() => AuditEntry)
export class AuditResolver {
  constructor(private readonly audit: AuditService) {}

  @Query(() => AuditEntryConnection, { description: 'Newest first: who changed what, through which flow.' })
  @RequireScope('audit:read')
  auditLog(@Args() page: PageArgsInput, @Args('filter', { type: () => AuditFilter, nullable: true }) filter?: AuditFilter) {
    return this.audit.list(page, filter);
  }
}
