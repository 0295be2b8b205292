import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import type { ApolloDriverConfig } from '@nestjs/apollo';
import type { Request } from 'express';
import type { ExecutionResult, GraphQLError } from 'graphql';
import type { Logger } from 'pino';
import type { KeelConfig } from '../../config/config.js';
import { AuthService } from '../auth/auth.service.js';
import { bearerToken, type Principal } from '../auth/principal.js';
import { correlationIdFrom, type GqlContext } from '../auth/request-context.js';
import { formatGraphQLError } from '../errors/format-error.js';
import { compiledExecutionPlugin } from './compiled-execution.js';
import { costLimitPlugin, depthLimitRule, wsLimits } from './complexity.js';
import { operationMetricsPlugin } from './operation-metrics.js';
import type { LoaderFactory } from './loaders.js';

interface WsContext {
  connectionParams?: Record<string, unknown>;
  extra: { principal?: Principal | null };
}

/** Apollo + graphql-ws configuration: auth on both transports, limits, and the one error formatter. */
export function graphqlOptions(config: KeelConfig, auth: AuthService, loaders: LoaderFactory, log: Logger): Omit<ApolloDriverConfig, 'driver'> {
  return {
    path: '/graphql',
    autoSchemaFile: true,
    sortSchema: true,
    buildSchemaOptions: { dateScalarMode: 'isoDate', numberScalarMode: 'integer' },
    playground: false,
    graphiql: false,
    introspection: true,
    includeStacktraceInErrorResponses: false,
    validationRules: [depthLimitRule(config.maxQueryDepth)],
    // Keel sets no cache hints; Apollo's default cache-control plugin would still wrap every field (a quarter of a list page's CPU).
    plugins: [ApolloServerPluginCacheControlDisabled(), costLimitPlugin(config.maxQueryCost), compiledExecutionPlugin(log), operationMetricsPlugin()],
    formatError: (formatted, error) => formatGraphQLError((error as GraphQLError) ?? formatted, log),
    context: async (arg: { req?: Request } | WsContext): Promise<GqlContext> => {
      if ('req' in arg && arg.req) {
        const req = arg.req as Request & { correlationId?: string };
        return {
          principal: await auth.authenticate(bearerToken(req.headers.authorization)),
          correlationId: req.correlationId ?? correlationIdFrom(req.headers['x-correlation-id']),
          loaders: loaders.create(),
        };
      }
      const ws = arg as WsContext;
      // A getter, so each event's execution uses the current shared set (see forSubscriptions).
      return {
        principal: ws.extra.principal ?? null,
        correlationId: correlationIdFrom(undefined),
        get loaders() {
          return loaders.forSubscriptions();
        },
      };
    },
    subscriptions: {
      'graphql-ws': {
        path: '/graphql',
        ...wsLimits(config.maxQueryDepth, config.maxQueryCost, (error) => formatGraphQLError(error, log)),
        onConnect: async (connection) => {
          const ctx = connection as unknown as WsContext;
          ctx.extra.principal = await auth.authenticate(bearerToken(ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization));
          return true;
        },
        onNext: (_ctx: unknown, _id: unknown, _payload: unknown, _args: unknown, result: ExecutionResult) =>
          result.errors ? { ...result, errors: result.errors.map((e) => formatGraphQLError(e, log)) as unknown as GraphQLError[] } : result,
      },
    },
  };
}
