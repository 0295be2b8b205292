import { type CanActivate, type ExecutionContext, Injectable, SetMetadata, createParamDecorator } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { GqlExecutionContext } from '@nestjs/graphql';
import { ErrorCode, KeelError } from '../../shared/errors.js';
import type { RequestContext } from '../../shared/context.js';
import { type GqlContext, requestContextOf } from './request-context.js';
import { hasScope, type Scope } from './scopes.js';

const SCOPE_KEY = 'keel:scope';

/** The scope a query, mutation or subscription needs. A GraphQL operation without one is refused. */
export const RequireScope = (scope: Scope) => SetMetadata(SCOPE_KEY, scope);

export function assertScope(gql: GqlContext, scope: Scope): void {
  if (!gql.principal) throw new KeelError(ErrorCode.UNAUTHENTICATED, 'A valid bearer token is required');
  if (!hasScope(gql.principal.scopes, scope)) {
    throw new KeelError(ErrorCode.FORBIDDEN, `This token lacks the ${scope} scope`, { requiredScope: scope });
  }
}

/** Fails closed: every GraphQL root field must declare its scope with @RequireScope. */
@Injectable()
export class ScopesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType<string>() !== 'graphql') return true;
    const scope = this.reflector.getAllAndOverride<Scope | undefined>(SCOPE_KEY, [context.getHandler(), context.getClass()]);
    const gql = GqlExecutionContext.create(context).getContext<GqlContext>();
    if (!gql.principal) throw new KeelError(ErrorCode.UNAUTHENTICATED, 'A valid bearer token is required');
    if (!scope) throw new KeelError(ErrorCode.FORBIDDEN, 'This operation declares no scope and is refused');
    assertScope(gql, scope);
    return true;
  }
}

/** The acting principal's RequestContext, for passing to a domain service. */
export const Ctx = createParamDecorator((_: unknown, context: ExecutionContext): RequestContext => {
  return requestContextOf(GqlExecutionContext.create(context).getContext<GqlContext>());
});
