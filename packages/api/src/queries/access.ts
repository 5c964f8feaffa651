import type { Role } from '@roster/db';
import type { Db } from './db';

/** The organization and (for a user) their active membership in it, in one query. */
export async function findOrganizationAccess(db: Db, organizationId: string, userId: string | null) {
  const row = await db
    .selectFrom('organizations as o')
    .leftJoin('memberships as m', (join) =>
      join
        .onRef('m.organization_id', '=', 'o.id')
        .on('m.status', '=', 'active')
        .on('m.user_id', '=', userId ?? '00000000-0000-0000-0000-000000000000'),
    )
    .select([
      'o.id',
      'o.slug',
      'o.name',
      'o.status',
      'o.deletion_scheduled_at',
      'o.deletion_due_at',
      'm.id as membership_id',
      'm.role as membership_role',
    ])
    .where('o.id', '=', organizationId)
    .executeTakeFirst();
  if (!row) return null;
  return {
    organization: {
      id: row.id,
      slug: row.slug,
      name: row.name,
      status: row.status,
      deletion_scheduled_at: row.deletion_scheduled_at,
      deletion_due_at: row.deletion_due_at,
    },
    membership:
      row.membership_id && row.membership_role
        ? { id: row.membership_id, role: row.membership_role as Role }
        : null,
  };
}
