import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { Logger } from 'pino';
import { ErrorCode, KeelError, type FieldError } from '../../shared/errors.js';
import { maskSecrets } from '../../infrastructure/observability/logger.js';
import { graphqlErrors } from '../../infrastructure/observability/metrics.js';

/** Codes graphql-js and Apollo give to malformed requests: the user's mistake, shown as is. */
const REQUEST_ERROR_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

/** graphql-js reports bad variables as `Variable "$input" got invalid value ... at "input.lines[0].quantity"; reason`. */
const VARIABLE_ERROR = /^Variable "\$(\w+)" got invalid value .*?(?: at "([^"]+)")?; (.*)$/s;
const FIELD_NOT_PROVIDED = /^Variable "\$(\w+)" of required type .* was not provided\.$/;

function fieldsFromVariableError(message: string): FieldError[] | undefined {
  const invalid = VARIABLE_ERROR.exec(message);
  if (invalid) {
    const [, variable, at, reason] = invalid;
    return [{ path: at ?? variable, message: reason.replace(/^Expected value of type .*?, found .*?; /s, '') }];
  }
  const missing = FIELD_NOT_PROVIDED.exec(message);
  if (missing) return [{ path: missing[1], message: 'is required' }];
  return undefined;
}

function originalOf(error: unknown): unknown {
  let current = error;
  while (current instanceof GraphQLError && current.originalError) current = current.originalError;
  return current;
}

/**
 * The one place a thrown error becomes what a client sees: a KeelError keeps its code and
 * message (and `fields` for BAD_USER_INPUT); request errors pass through; anything else is
 * logged and masked as INTERNAL_SERVER_ERROR.
 */
export function formatGraphQLError(error: GraphQLError | GraphQLFormattedError, log: Logger): GraphQLFormattedError {
  const original = originalOf(error);
  const base: GraphQLFormattedError = error instanceof GraphQLError ? error.toJSON() : error;
  let formatted: GraphQLFormattedError;
  if (original instanceof KeelError) {
    const extensions: Record<string, unknown> = { code: original.code };
    if (original.code === ErrorCode.BAD_USER_INPUT) extensions.fields = original.details.fields ?? [];
    else if (Object.keys(original.details).length) Object.assign(extensions, original.details);
    formatted = { message: original.message, locations: base.locations, path: base.path, extensions };
  } else {
    // A scalar refusing a literal says BAD_USER_INPUT on the original error; Apollo wraps it as a validation error.
    const scalarRefusal = original instanceof GraphQLError && original.extensions?.code === 'BAD_USER_INPUT' ? original : undefined;
    const code = scalarRefusal ? 'BAD_USER_INPUT' : ((base.extensions?.code as string | undefined) ?? (original instanceof GraphQLError ? (original.extensions?.code as string) : undefined));
    if (code && REQUEST_ERROR_CODES.has(code)) {
      const extensions: Record<string, unknown> = { code };
      if (code === 'BAD_USER_INPUT') {
        extensions.fields = scalarRefusal?.extensions.fields ?? base.extensions?.fields ?? fieldsFromVariableError(base.message) ?? [];
      }
      formatted = { message: base.message, locations: base.locations, path: base.path, extensions };
    } else if (!code && original instanceof GraphQLError && !original.originalError && !(error instanceof GraphQLError && error.path)) {
      // A validation-phase GraphQLError without a code (custom validation rules such as the cost limit).
      formatted = { message: base.message, locations: base.locations, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } };
    } else {
      const err = original instanceof Error ? original : new Error(String(original));
      log.error({ err: { type: err.name, message: maskSecrets(err.message), stack: err.stack }, path: base.path }, 'unexpected error in a GraphQL operation');
      formatted = { message: 'Internal server error', locations: base.locations, path: base.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
    }
  }
  graphqlErrors.inc({ code: String(formatted.extensions?.code) });
  return formatted;
}
