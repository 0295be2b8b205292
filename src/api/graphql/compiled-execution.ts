import { HeaderMap, type ApolloServerPlugin, type GraphQLRequestContextResponseForOperation, type GraphQLResponse } from '@apollo/server';
import { getNamedType, isScalarType, isSpecifiedScalarType, TypeInfo, visit, visitWithTypeInfo, type DocumentNode, type GraphQLError, type GraphQLSchema } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import type { Logger } from 'pino';
import { graphqlExecutions } from '../../infrastructure/observability/metrics.js';
import { formatGraphQLError } from '../errors/format-error.js';

/**
 * Compiling costs 2-3 ms for a typical document (27 ms for the introspection query), several
 * executions' worth, so a document is compiled the second time it runs: one-off documents
 * never are. Apollo hands the same parsed document to every request with the same query
 * text (its document store), so documents are the keys.
 */
const seenOnce = new WeakSet<DocumentNode>();

/**
 * Compiled queries by document and operation name, least recently used first; `null`:
 * graphql-jit could not compile it, or should not (see hasCustomScalarLiteral). Bounded, as
 * each holds generated code.
 */
const compiledByDocument = new Map<DocumentNode, Map<string, CompiledQuery | null>>();
const MAX_COMPILED_DOCUMENTS = 500;

/**
 * Whether a literal in an argument is of a custom scalar (`unitPrice: "19.99"`). graphql-jit
 * writes literal arguments into the compiled function's source as JSON, so the Decimal a
 * scalar parses would arrive as a plain object. Variables are coerced per request and keep
 * their values, so only such literals keep a document on graphql-js.
 */
function hasCustomScalarLiteral(schema: GraphQLSchema, document: DocumentNode): boolean {
  const typeInfo = new TypeInfo(schema);
  let found = false;
  const scalarLiteral = () => {
    const type = typeInfo.getInputType();
    const named = type && getNamedType(type);
    if (named && isScalarType(named) && !isSpecifiedScalarType(named)) found = true;
  };
  visit(document, visitWithTypeInfo(typeInfo, { StringValue: scalarLiteral, IntValue: scalarLiteral, FloatValue: scalarLiteral, BooleanValue: scalarLiteral, ListValue: scalarLiteral, ObjectValue: scalarLiteral }));
  return found;
}

function compiled(requestContext: GraphQLRequestContextResponseForOperation<object>): CompiledQuery | null {
  const { document, schema, operationName } = requestContext;
  const key = operationName ?? '';
  const byOperation = compiledByDocument.get(document) ?? new Map<string, CompiledQuery | null>();
  let query = byOperation.get(key);
  if (query === undefined) {
    if (!seenOnce.has(document)) {
      seenOnce.add(document);
      return null;
    }
    const result = hasCustomScalarLiteral(schema, document) ? null : compileQuery(schema, document, operationName ?? undefined);
    query = result && isCompiledQuery(result) ? result : null;
    byOperation.set(key, query);
  }
  // Most recently used last.
  compiledByDocument.delete(document);
  compiledByDocument.set(document, byOperation);
  if (compiledByDocument.size > MAX_COMPILED_DOCUMENTS) compiledByDocument.delete(compiledByDocument.keys().next().value!);
  return query;
}

/**
 * Executes queries and mutations with graphql-jit instead of graphql-js: a document that
 * comes back is compiled once into a function that resolves the selected fields directly,
 * where graphql-js walks the document and builds every field's arguments on each request
 * (its execution was a sixth of a list page's CPU).
 *
 * Parsing, validation and the plugins before execution (cost limit) run as before. When
 * the variables are refused nothing was executed: the request is left to graphql-js, so a
 * bad variable is reported exactly as it always was. Errors of execution go through the
 * one error formatter.
 */
export function compiledExecutionPlugin(log: Logger): ApolloServerPlugin<object> {
  return {
    async requestDidStart() {
      return {
        async responseForOperation(requestContext): Promise<GraphQLResponse | null> {
          const kind = requestContext.operation.operation;
          if (kind !== 'query' && kind !== 'mutation') return null;
          const query = compiled(requestContext);
          const result = query && (await query.query(undefined, requestContext.contextValue, requestContext.request.variables ?? {}));
          if (!result || !('data' in result)) {
            graphqlExecutions.inc({ executor: 'graphql-js' });
            return null;
          }
          graphqlExecutions.inc({ executor: 'compiled' });
          const errors = result.errors?.length ? result.errors.map((error) => formatGraphQLError(error as GraphQLError, log)) : undefined;
          return { http: { status: undefined, headers: new HeaderMap() }, body: { kind: 'single', singleResult: { data: result.data, errors } } };
        },
      };
    },
  };
}
