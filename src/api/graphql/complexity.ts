import type { ApolloServerPlugin } from '@apollo/server';
import {
  execute, GraphQLError, Kind, specifiedRules, validate, visit,
  type DocumentNode, type ExecutionArgs, type ExecutionResult, type GraphQLFormattedError, type GraphQLSchema, type ValidationRule,
} from 'graphql';
import depthLimit from 'graphql-depth-limit';
import { getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';
import { DEFAULT_PAGE } from '../../shared/pagination.js';
import { subscribeSharingExecution } from './shared-subscriptions.js';

/** Lists without a `first` argument (an order's lines, a product's levels) are assumed this long. */
const ASSUMED_LIST_LENGTH = 10;

/** A field costs 1 plus its children, multiplied by how many items it may return. */
const estimator: ComplexityEstimator = ({ args, childComplexity, field, type }) => {
  const typeName = String(field.type);
  if (typeName.endsWith('Connection') || typeName.endsWith('Connection!')) {
    const first = typeof args.first === 'number' ? args.first : DEFAULT_PAGE;
    return 1 + Math.max(first, 1) * Math.max(childComplexity, 1);
  }
  // A connection's nodes and edges are its page, already multiplied by `first` above.
  if (type.name.endsWith('Connection') && (field.name === 'nodes' || field.name === 'edges')) return 1 + childComplexity;
  if (typeName.startsWith('[')) return 1 + ASSUMED_LIST_LENGTH * childComplexity;
  return 1 + childComplexity;
};

/**
 * Costs of documents whose cost cannot depend on variables, by operation name. Apollo hands
 * the same parsed document to every request with the same query text, so a mutation sent
 * a thousand times is costed once.
 */
const fixedCosts = new WeakMap<DocumentNode, Map<string, number>>();

/** Whether variables can change the cost: only `first` and @include/@skip conditions do. */
function costDependsOnVariables(document: DocumentNode): boolean {
  let depends = false;
  visit(document, {
    Argument(argument) {
      if (argument.value.kind === Kind.VARIABLE && (argument.name.value === 'first' || argument.name.value === 'if')) depends = true;
    },
  });
  return depends;
}

function isVariableError(err: unknown): boolean {
  return err instanceof GraphQLError && err.nodes?.length === 1 && err.nodes[0].kind === Kind.VARIABLE_DEFINITION;
}

type Operation = { schema: GraphQLSchema; document: DocumentNode; variables?: Record<string, unknown> | null; operationName?: string | null };

/** The estimated cost, or undefined for bad variables (left to execution, see costRefusal). */
function costOf(op: Operation): number | undefined {
  const name = op.operationName ?? '';
  const cached = fixedCosts.get(op.document)?.get(name);
  if (cached !== undefined) return cached;
  let cost: number;
  try {
    cost = getComplexity({ schema: op.schema, query: op.document, operationName: op.operationName ?? undefined, variables: op.variables ?? {}, estimators: [estimator] });
  } catch (err) {
    if (isVariableError(err)) return undefined;
    throw err;
  }
  if (!costDependsOnVariables(op.document)) {
    if (!fixedCosts.has(op.document)) fixedCosts.set(op.document, new Map());
    fixedCosts.get(op.document)!.set(name, cost);
  }
  return cost;
}

/**
 * The refusal for an operation whose estimated cost is above `maximum`, or undefined when
 * it is within it. Bad variables are left to execution, which refuses them before any
 * resolver runs as BAD_USER_INPUT naming the field (reporting them here would lose that).
 */
export function costRefusal(maximum: number, op: Operation): GraphQLError | undefined {
  const cost = costOf(op);
  if (cost === undefined || cost <= maximum) return undefined;
  // 400: the request is refused as written, like any other invalid query (a plugin error is 500 by default).
  return new GraphQLError(`Query cost ${cost} exceeds the limit of ${maximum}: ask for fewer items or fewer nested fields`, {
    extensions: { code: 'GRAPHQL_VALIDATION_FAILED', cost, maximumCost: maximum, http: { status: 400 } },
  });
}

/** Refuses an operation whose estimated cost is above `maximum` before any resolver runs. */
export function costLimitPlugin(maximum: number): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, operationName, schema }) {
          const refusal = costRefusal(maximum, { schema, document, variables: request.variables, operationName });
          if (refusal) throw refusal;
        },
      };
    },
  };
}

/**
 * The same limits for operations sent over graphql-ws, which validates and executes them
 * itself (Apollo's validation rules and plugins never see them).
 */
export function wsLimits(maxDepth: number, maxCost: number, format: (error: GraphQLError) => GraphQLFormattedError) {
  const rules = [...specifiedRules, depthLimitRule(maxDepth)];
  const limited =
    <R>(run: (args: ExecutionArgs) => R) =>
    (args: ExecutionArgs): R | ExecutionResult => {
      const refusal = costRefusal(maxCost, { schema: args.schema, document: args.document, variables: args.variableValues, operationName: args.operationName });
      return refusal ? { errors: [refusal] } : run(args);
    };
  return {
    // graphql-ws sends validation errors as they are: format them as HTTP answers are (codes, field paths).
    validate: (schema: GraphQLSchema, document: DocumentNode) =>
      validate(schema, document, rules).map((error) => {
        const formatted = format(error);
        return new GraphQLError(formatted.message, { nodes: error.nodes, extensions: formatted.extensions });
      }),
    execute: limited(execute),
    subscribe: limited(subscribeSharingExecution),
  };
}

/** graphql-depth-limit, with a message that says what to change (its own quotes the operation name: '' when anonymous). */
export function depthLimitRule(maximum: number): ValidationRule {
  const rule = depthLimit(maximum);
  return (context) =>
    rule(
      Object.create(context, {
        reportError: {
          value: (error: GraphQLError) =>
            context.reportError(new GraphQLError(`Query is nested deeper than the limit of ${maximum} levels: ask for fewer nested fields`, { nodes: error.nodes })),
        },
      }),
    );
}
