import { Injectable } from '@nestjs/common';
import { Args, Field, ID, InputType, Mutation, ObjectType, Query, Resolver } from '@nestjs/graphql';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsString, Length, Matches } from 'class-validator';
import { Database, PgError, pgConstraint, pgErrorCode } from '../../infrastructure/database/database.js';
import type { RequestContext } from '../../shared/context.js';
import { FieldErrors, NotFoundError, ValidationError } from '../../shared/errors.js';
import { isUuid, newId } from '../../shared/ids.js';
import { validateInput } from '../../shared/validation.js';
import { API_KEY_REVOKED, AuthService } from './auth.service.js';
import { generateToken, hashToken } from './principal.js';
import { Ctx, RequireScope } from './scopes.guard.js';
import { isScope, SCOPES } from './scopes.js';

@ObjectType()
export class ApiKey {
  @Field(() => ID) id: string;
  @Field() name: string;
  @Field(() => [String]) scopes: string[];
  @Field({ description: 'The first characters of the token, to tell keys apart.' }) tokenHint: string;
  @Field() createdBy: string;
  @Field() createdAt: Date;
  @Field(() => Date, { nullable: true }) lastUsedAt: Date | null;
  @Field(() => Date, { nullable: true }) revokedAt: Date | null;
}

@ObjectType()
export class ApiKeyCreated {
  @Field({ description: 'The bearer token. Shown once: Keel keeps only its hash.' }) token: string;
  @Field(() => ApiKey) apiKey: ApiKey;
}

@InputType()
export class CreateApiKeyInput {
  @Field() @IsString() @Length(1, 100) @Matches(/^[\w .:@-]+$/, { message: 'may hold letters, digits, spaces and . : @ - _' }) name: string;
  @Field(() => [String], { description: `Any of: ${SCOPES.join(', ')}.` })
  @IsArray() @ArrayMinSize(1, { message: 'must grant at least one scope' }) @ArrayMaxSize(SCOPES.length) scopes: string[];
}

const COLUMNS = `id, name, scopes, token_hint AS "tokenHint", created_by AS "createdBy", created_at AS "createdAt",
  last_used_at AS "lastUsedAt", revoked_at AS "revokedAt"`;

@Injectable()
export class ApiKeyService {
  constructor(
    private readonly db: Database,
    private readonly auth: AuthService,
  ) {}

  list(): Promise<ApiKey[]> {
    return this.db.query<ApiKey>(`SELECT ${COLUMNS} FROM api_keys ORDER BY created_at DESC`);
  }

  async create(ctx: RequestContext, input: CreateApiKeyInput): Promise<ApiKeyCreated> {
    const cmd = validateInput(CreateApiKeyInput, input);
    const errors = new FieldErrors();
    cmd.scopes.forEach((scope, i) => {
      if (!isScope(scope)) errors.add(`input.scopes[${i}]`, `"${scope}" is not a scope; use one of ${SCOPES.join(', ')}`);
    });
    errors.throwIfAny();
    const token = generateToken('key');
    try {
      const apiKey = await this.db.transaction(ctx, async (uow) => {
        const key = (await uow.one<ApiKey>(
          `INSERT INTO api_keys (id, name, token_hash, token_hint, scopes, created_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
          [newId(), cmd.name, hashToken(token), token.slice(0, 12), [...new Set(cmd.scopes)], ctx.actor],
        ))!;
        uow.audit({ action: 'api_key.created', entityType: 'ApiKey', entityId: key.id, changes: { name: { before: null, after: key.name }, scopes: { before: null, after: key.scopes } } });
        return key;
      });
      return { token, apiKey };
    } catch (err) {
      if (pgErrorCode(err) === PgError.UNIQUE_VIOLATION && pgConstraint(err) === 'api_keys_active_name') {
        throw ValidationError.of('input.name', 'is already the name of an active key');
      }
      throw err;
    }
  }

  async revoke(ctx: RequestContext, id: string): Promise<ApiKey> {
    if (!isUuid(id)) throw ValidationError.of('id', 'must be a UUID');
    const key = await this.db.transaction(ctx, async (uow) => {
      const row = await uow.one<ApiKey>(`UPDATE api_keys SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1 RETURNING ${COLUMNS}`, [id]);
      if (!row) throw new NotFoundError('ApiKey', id);
      uow.audit({ action: 'api_key.revoked', entityType: 'ApiKey', entityId: id, changes: { revokedAt: { before: null, after: row.revokedAt } } });
      // Other instances hear of it through the outbox and drop their cached lookups (ApiKeyRevocations).
      uow.emit({ type: API_KEY_REVOKED, aggregateType: 'ApiKey', aggregateId: id, aggregateSequence: 1, payload: { revokedAt: row.revokedAt } });
      return row;
    });
    this.auth.invalidate();
    return key;
  }
}

@Resolver(() => ApiKey)
export class ApiKeyResolver {
  constructor(private readonly keys: ApiKeyService) {}

  @Query(() => [ApiKey])
  @RequireScope('admin')
  apiKeys(): Promise<ApiKey[]> {
    return this.keys.list();
  }

  @Mutation(() => ApiKeyCreated, { description: 'A service account with exactly these scopes; the token is shown once.' })
  @RequireScope('admin')
  createApiKey(@Ctx() ctx: RequestContext, @Args('input') input: CreateApiKeyInput): Promise<ApiKeyCreated> {
    return this.keys.create(ctx, input);
  }

  @Mutation(() => ApiKey, { description: 'Takes effect at once on this instance and within seconds on the others.' })
  @RequireScope('admin')
  revokeApiKey(@Ctx() ctx: RequestContext, @Args('id', { type: () => ID }) id: string): Promise<ApiKey> {
    return this.keys.revoke(ctx, id);
  }
}
