import { Kind, parse, visit, type ASTNode, type ObjectFieldNode, type ValueNode } from 'graphql';

/** Where a node sits in its argument, e.g. `input.lines[0].unitPrice`. */
function pathWithin(value: ValueNode | ObjectFieldNode, start: number, path: string): string | undefined {
  if (value.loc?.start === start) return path;
  if (value.kind === Kind.OBJECT_FIELD) return pathWithin(value.value, start, path);
  if (value.kind === Kind.OBJECT) {
    for (const field of value.fields) {
      const found = pathWithin(field, start, `${path}.${field.name.value}`);
      if (found) return found;
    }
  }
  if (value.kind === Kind.LIST) {
    for (const [i, item] of value.values.entries()) {
      const found = pathWithin(item, start, `${path}[${i}]`);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * The argument path of a literal in the document it came from, so that a value written
 * inline is reported on the same `input.lines[0].quantity` path as one sent in a variable.
 * AST nodes know their position but not their parent, hence the search from the root.
 */
export function literalPath(node: ASTNode): string | undefined {
  const { loc } = node;
  if (!loc) return undefined;
  let found: string | undefined;
  try {
    visit(parse(loc.source), {
      Argument(argument) {
        found ??= pathWithin(argument.value, loc.start, argument.name.value);
        return false;
      },
    });
  } catch {
    return undefined;
  }
  return found;
}
