import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from 'graphql';

export const DateTimeScalar = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  serialize(value) {
    const d = value instanceof Date ? value : new Date(value as string);
    if (Number.isNaN(d.getTime())) throw new GraphQLError('DateTime cannot represent an invalid date');
    return d.toISOString();
  },
  parseValue(value) {
    return parseDate(value);
  },
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw new GraphQLError('DateTime must be an ISO-8601 string');
    return parseDate(ast.value);
  },
});

function parseDate(value: unknown): Date {
  if (typeof value !== 'string') throw new GraphQLError('DateTime must be an ISO-8601 string');
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw new GraphQLError(`invalid DateTime: ${value}`);
  return d;
}

export const JSONScalar = new GraphQLScalarType<unknown, unknown>({
  name: 'JSON',
  serialize: (v) => v,
  parseValue: (v) => v,
  parseLiteral: function literal(ast: ValueNode): unknown {
    switch (ast.kind) {
      case Kind.STRING:
      case Kind.BOOLEAN:
        return ast.value;
      case Kind.INT:
      case Kind.FLOAT:
        return Number(ast.value);
      case Kind.NULL:
        return null;
      case Kind.LIST:
        return ast.values.map(literal);
      case Kind.OBJECT:
        return Object.fromEntries(ast.fields.map((f) => [f.name.value, literal(f.value)]));
      default:
        throw new GraphQLError('JSON literals cannot use variables inside');
    }
  },
});

/**
 * UInt32 (the seed): any JSON number parses; the range and integrality are checked by the shared option validation
 * at `segment` time, so 4294967296 or 1.5 is BAD_USER_INPUT naming `options.seed` like every other bad option,
 * not a GraphQL validation failure. Non-numbers are refused here.
 */
export const UInt32Scalar = new GraphQLScalarType<number, number>({
  name: 'UInt32',
  serialize: (v) => Number(v),
  parseValue(value) {
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new GraphQLError('UInt32 must be a number (an integer 0…4294967295)');
    return value;
  },
  parseLiteral(ast) {
    if (ast.kind !== Kind.INT && ast.kind !== Kind.FLOAT) throw new GraphQLError('UInt32 must be a number (an integer 0…4294967295)');
    return Number(ast.value);
  },
});
