import { GraphQLError, Kind, type GraphQLFormattedError } from 'graphql';
import type { Logger } from 'pino';
import { ErrorCode, KeelError, type FieldError } from '../../shared/errors.js';
import { literalPath } from '../graphql/literal-path.js';
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

/** graphql-js names a missing or unknown input field in the message, not in the path: it belongs in the path. */
const NAMED_FIELD = /^Field "(?:\w+\.)?(\w+)" (?:of required type|is not defined by type)/;

function withNamedField(path: string, reason: string): string {
  const field = NAMED_FIELD.exec(reason)?.[1];
  return field ? `${path}.${field}` : path;
}

function fieldsFromVariableError(message: string): FieldError[] | undefined {
  const invalid = VARIABLE_ERROR.exec(message);
  if (invalid) {
    const [, variable, at, rawReason] = invalid;
    const reason = rawReason.replace(/^Expected value of type .*?, found .*?; /s, '');
    return [{ path: withNamedField(at ?? variable, reason), message: reason }];
  }
  const missing = FIELD_NOT_PROVIDED.exec(message);
  if (missing) return [{ path: missing[1], message: 'is required' }];
  return undefined;
}

const VALUE_KINDS: ReadonlySet<string> = new Set([
  Kind.INT, Kind.FLOAT, Kind.STRING, Kind.BOOLEAN, Kind.NULL, Kind.ENUM, Kind.LIST, Kind.OBJECT, Kind.OBJECT_FIELD,
]);

/**
 * A literal argument value its type refused during validation (`quantity: 1.5`,
 * `unitPrice: "abc"`): the same mistake as a bad variable, so reported the same way.
 */
function literalFieldError(original: unknown): FieldError | undefined {
  if (!(original instanceof GraphQLError) || original.nodes?.length !== 1 || !VALUE_KINDS.has(original.nodes[0].kind)) return undefined;
  const node = original.nodes[0];
  // Outside an argument (a variable's default value) there is no field path: say where it is.
  const path = literalPath(node) ?? `literal at line ${node.loc?.startToken.line}, column ${node.loc?.startToken.column}`;
  // An object missing a field is reported on the object; the field it lacks belongs in the path.
  return { path: node.kind === Kind.OBJECT ? withNamedField(path, original.message) : path, message: original.message };
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
    // A literal refused by its type (a scalar, an enum, a missing input field) arrives as a validation error.
    // A scalar may also say BAD_USER_INPUT itself, with or without its own fields.
    const literal = literalFieldError(original);
    const scalarRefusal = original instanceof GraphQLError && original.extensions?.code === 'BAD_USER_INPUT' ? original : undefined;
    const code = literal || scalarRefusal ? 'BAD_USER_INPUT' : ((base.extensions?.code as string | undefined) ?? (original instanceof GraphQLError ? (original.extensions?.code as string) : undefined));
    if (code && REQUEST_ERROR_CODES.has(code)) {
      const extensions: Record<string, unknown> = { code };
      if (code === 'BAD_USER_INPUT') {
        extensions.fields = literal ? [literal] : (scalarRefusal?.extensions.fields ?? base.extensions?.fields ?? fieldsFromVariableError(base.message) ?? []);
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
