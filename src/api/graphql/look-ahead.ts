import { Kind, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

/**
 * Every field the query selects below the field being resolved, as dotted paths
 * ("nodes.lines.product"), through fragments. `@skip`/`@include` are not evaluated: a field
 * they may drop counts as selected, which at worst loads something unused.
 */
export function selectedPaths(info: GraphQLResolveInfo, maxDepth = 4): Set<string> {
  const paths = new Set<string>();
  const walk = (set: SelectionSetNode | undefined, prefix: string, depth: number, seenFragments: Set<string>) => {
    if (!set || depth > maxDepth) return;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const path = prefix + selection.name.value;
        paths.add(path);
        walk(selection.selectionSet, `${path}.`, depth + 1, seenFragments);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        walk(selection.selectionSet, prefix, depth, seenFragments);
      } else if (!seenFragments.has(selection.name.value)) {
        const fragment = info.fragments[selection.name.value];
        walk(fragment?.selectionSet, prefix, depth, new Set(seenFragments).add(selection.name.value));
      }
    }
  };
  for (const node of info.fieldNodes) walk(node.selectionSet, '', 1, new Set());
  return paths;
}

/** The paths selected on a connection's nodes, whether asked through `nodes` or `edges.node`. */
export function selectedOnNodes(info: GraphQLResolveInfo): Set<string> {
  const nodes = new Set<string>();
  for (const path of selectedPaths(info, 5)) {
    if (path.startsWith('nodes.')) nodes.add(path.slice(6));
    else if (path.startsWith('edges.node.')) nodes.add(path.slice(11));
  }
  return nodes;
}

/** The fields selected directly below `path` ("lines.product"), or at the top when no path is given. */
export function childrenOf(paths: Set<string>, path?: string): string[] {
  const prefix = path ? `${path}.` : '';
  const children: string[] = [];
  for (const p of paths) if (p.startsWith(prefix) && !p.includes('.', prefix.length)) children.push(p.slice(prefix.length));
  return children;
}
