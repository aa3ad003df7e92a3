import { badInput } from './gateway.errors';
import { isUuid } from './ids';

/** A keyset position in a newest-first listing: (createdAt, id), both descending. */
export interface PageCursor {
  createdAt: Date;
  id: string;
}

/** Opaque to clients: base64url of [createdAt, id]. */
export function encodeCursor(node: { createdAt: Date; id: string }): string {
  return Buffer.from(JSON.stringify([node.createdAt.toISOString(), node.id])).toString('base64url');
}

export function decodeCursor(cursor: string): PageCursor {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    const createdAt = new Date(at);
    if (Number.isNaN(createdAt.getTime()) || !isUuid(id)) throw new Error('bad');
    return { createdAt, id };
  } catch {
    throw badInput('invalid cursor');
  }
}

/** Prisma `where` for the rows after `after` in (createdAt desc, id desc) order. */
export function afterCursor(after: PageCursor | undefined): { OR?: object[] } {
  if (!after) return {};
  return { OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }] };
}
