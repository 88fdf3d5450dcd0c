import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { IdParams, RegionQuery, RegionTree, listOf, type RegionNode } from '#shared/schemas/api.ts';
import { notFound } from '../errors.ts';
import type { RegionRow } from '../repositories/regions.ts';

const TAGS = ['regions'];

function buildTree(rows: RegionRow[], rootIds?: string[]): RegionNode[] {
  const nodes = new Map<string, RegionNode>();
  for (const r of rows)
    nodes.set(r.id, { id: r.id, name: r.name, level: r.level, parentId: r.parent_id, children: [] });
  const roots: RegionNode[] = [];
  for (const n of nodes.values()) {
    const parent = n.parentId ? nodes.get(n.parentId) : undefined;
    if (parent && !rootIds?.includes(n.id)) parent.children.push(n);
    else roots.push(n);
  }
  const sort = (list: RegionNode[]) => {
    list.sort((a, b) => a.name.localeCompare(b.name, 'vi'));
    list.forEach((n) => sort(n.children));
  };
  sort(roots);
  return roots;
}

/** The region tree (thành phố → quận/huyện → phường/xã), readable by every role. */
const regionRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/api/v1/regions',
    {
      config: { access: 'read' },
      schema: {
        tags: TAGS,
        summary: 'The region tree, or the subtree under ?root',
        querystring: RegionQuery,
        response: { 200: listOf(RegionTree) },
      },
    },
    async (request) => {
      const root = request.query.root;
      if (root) {
        if (!app.repos.regions.get(root)) throw notFound('khu vực / region', root);
        return { items: buildTree(app.repos.regions.subtree(root), [root]) };
      }
      return { items: buildTree(app.repos.regions.list()) };
    },
  );

  app.get(
    '/api/v1/regions/:id',
    {
      config: { access: 'read' },
      schema: {
        tags: TAGS,
        summary: 'One region with its subtree (ids contain "/": encode them as %2F)',
        params: IdParams,
        response: { 200: RegionTree },
      },
    },
    async (request) => {
      const id = request.params.id;
      if (!app.repos.regions.get(id)) throw notFound('khu vực / region', id);
      return buildTree(app.repos.regions.subtree(id), [id])[0]!;
    },
  );
};
export default regionRoutes;
