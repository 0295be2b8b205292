import { randomUUID } from 'node:crypto';
import type { RequestContext } from '../../shared/context.js';
import type { Loaders } from '../graphql/loaders.js';
import type { Principal } from './principal.js';

/** What every resolver receives as its GraphQL context, over HTTP and graphql-ws alike. */
export interface GqlContext {
  principal: Principal | null;
  correlationId: string;
  loaders: Loaders;
}

const CORRELATION_ID = /^[\w.:-]{1,100}$/;

/** A caller-supplied correlation id is kept when it is sane, so one id follows a change across systems. */
export function correlationIdFrom(header: unknown): string {
  return typeof header === 'string' && CORRELATION_ID.test(header) ? header : randomUUID();
}

export function requestContextOf(gql: GqlContext): RequestContext {
  if (!gql.principal) throw new Error('requestContextOf called without an authenticated principal');
  return { actor: gql.principal.actor, scopes: gql.principal.scopes, correlationId: gql.correlationId };
}
