/** Relay-style connections: a service's page of nodes → the GraphQL connection's parent object. */
export interface ConnectionParent<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  /** counted only when the query asks for it */
  totalCount: () => Promise<number>;
}

export interface NodePage<T> {
  nodes: T[];
  hasNextPage: boolean;
  cursorOf(node: T): string;
  totalCount: () => Promise<number>;
}

export function toConnection<T>(page: NodePage<T>): ConnectionParent<T> {
  const edges = page.nodes.map((node) => ({ cursor: page.cursorOf(node), node }));
  return {
    edges,
    pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.length ? edges[edges.length - 1].cursor : null },
    totalCount: page.totalCount,
  };
}
