import type { ApolloServerPlugin } from '@apollo/server';
import { Kind } from 'graphql';
import { graphqlOperations } from '../../infrastructure/observability/metrics.js';

/**
 * Counts every GraphQL request Apollo answers (`keel_graphql_operations_total`), by
 * operation type, first root field and outcome. The root field, not the client's operation
 * name: fields are bounded by the schema, names are whatever clients send. A request refused
 * before its operation is known (parse or validation error) counts as `unresolved`.
 * `willSendResponse` runs however the operation was executed, compiled or not.
 */
export function operationMetricsPlugin(): ApolloServerPlugin<object> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ operation, response }) {
          const result = response.body.kind === 'single' ? response.body.singleResult : response.body.initialResult;
          const root = operation?.selectionSet.selections.find((selection) => selection.kind === Kind.FIELD);
          graphqlOperations.inc({
            type: operation?.operation ?? 'unresolved',
            name: root?.kind === Kind.FIELD ? root.name.value : '',
            outcome: result.errors?.length ? 'error' : 'ok',
          });
        },
      };
    },
  };
}
