import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';
import { DEFAULT_PAGE } from '../../shared/pagination.js';

/** Lists without a `first` argument (an order's lines, a product's levels) are assumed this long. */
const ASSUMED_LIST_LENGTH = 10;

/** A field costs 1 plus its children, multiplied by how many items it may return. */
const estimator: ComplexityEstimator = ({ args, childComplexity, field }) => {
  const typeName = String(field.type);
  if (typeName.endsWith('Connection') || typeName.endsWith('Connection!')) {
    const first = typeof args.first === 'number' ? args.first : DEFAULT_PAGE;
    return 1 + Math.max(first, 1) * Math.max(childComplexity, 1);
  }
  if (typeName.startsWith('[')) return 1 + ASSUMED_LIST_LENGTH * childComplexity;
  return 1 + childComplexity;
};

/** Refuses an operation whose estimated cost is above `maximum` before any resolver runs. */
export function costLimitPlugin(maximum: number): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, operationName, schema }) {
          const cost = getComplexity({
            schema,
            query: document,
            operationName: operationName ?? undefined,
            variables: request.variables ?? {},
            estimators: [estimator],
          });
          if (cost > maximum) {
            throw new GraphQLError(`Query cost ${cost} exceeds the limit of ${maximum}: ask for fewer items or fewer nested fields`, {
              extensions: { code: 'GRAPHQL_VALIDATION_FAILED', cost, maximumCost: maximum },
            });
          }
        },
      };
    },
  };
}
