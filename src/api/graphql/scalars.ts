import { Decimal } from 'decimal.js';
import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import { formatDecimal, isDecimalString, money } from '../../shared/money.js';

/** Exact decimal numbers travel as strings ("19.99"); floats would lose cents. */
export const DecimalScalar = new GraphQLScalarType<Decimal, string>({
  name: 'Decimal',
  description: 'An exact decimal number written as a string, e.g. "19.99". Never a float.',
  serialize(value) {
    if (value instanceof Decimal) return formatDecimal(value);
    if (typeof value === 'string' && isDecimalString(value)) return formatDecimal(value);
    if (typeof value === 'number' && Number.isInteger(value)) return formatDecimal(String(value));
    throw new GraphQLError(`Decimal cannot represent ${JSON.stringify(value)}`);
  },
  parseValue(value) {
    if (typeof value !== 'string' || !isDecimalString(value)) {
      throw new GraphQLError('must be a decimal number written as a string, e.g. "19.99"');
    }
    return money(value);
  },
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING || !isDecimalString(ast.value)) {
      // The error formatter names the field from the node's place in the document.
      throw new GraphQLError('must be a decimal number written as a string, e.g. "19.99"', { nodes: ast, extensions: { code: 'BAD_USER_INPUT' } });
    }
    return money(ast.value);
  },
});

function literalToJson(ast: ValueNode, variables?: Record<string, unknown> | null): unknown {
  switch (ast.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
      return ast.value;
    case Kind.INT:
      return Number.parseInt(ast.value, 10);
    case Kind.FLOAT:
      return Number.parseFloat(ast.value);
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return ast.values.map((v) => literalToJson(v, variables));
    case Kind.OBJECT:
      return Object.fromEntries(ast.fields.map((f) => [f.name.value, literalToJson(f.value, variables)]));
    case Kind.VARIABLE:
      return variables?.[ast.name.value];
    default:
      throw new GraphQLError(`JSON cannot represent ${ast.kind}`);
  }
}

export const JsonScalar = new GraphQLScalarType<unknown, unknown>({
  name: 'JSON',
  description: 'Any JSON value.',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (ast, variables) => literalToJson(ast, variables),
});
