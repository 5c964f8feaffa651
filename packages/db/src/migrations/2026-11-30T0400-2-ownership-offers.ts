import { type Kysely, sql } from 'kysely';

/**
 * Two-step ownership transfer: an owner offers ownership to another active member
 * (`members.offerOwnership`); the target accepts or declines, the owner may cancel. At most one pending
 * offer per organization (a partial unique index). An offer dies (`voided`) when either side leaves, is
 * removed or changes role; it lapses (`expired`) after its `expires_at`.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('ownership_offers')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('organization_id', 'uuid', (c) =>
      c.notNull().references('organizations.id').onDelete('cascade'),
    )
    .addColumn('offered_by_membership_id', 'uuid', (c) =>
      c.notNull().references('memberships.id').onDelete('cascade'),
    )
    .addColumn('target_membership_id', 'uuid', (c) =>
      c.notNull().references('memberships.id').onDelete('cascade'),
    )
    /** The target's role when the offer was made: accepting re-checks that it is unchanged. */
    .addColumn('target_role', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('resolved_at', 'timestamptz')
    .addColumn('resolved_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addCheckConstraint(
      'ownership_offers_target_role_check',
      sql`target_role in ('owner', 'admin', 'member', 'viewer')`,
    )
    .addCheckConstraint(
      'ownership_offers_status_check',
      sql`status in ('pending', 'accepted', 'declined', 'cancelled', 'voided', 'expired')`,
    )
    .addCheckConstraint(
      'ownership_offers_resolved_consistent',
      sql`(status = 'pending') = (resolved_at is null)`,
    )
    .addCheckConstraint('ownership_offers_not_to_self', sql`offered_by_membership_id <> target_membership_id`)
    .execute();
  // One pending offer per organization.
  await db.schema
    .createIndex('ownership_offers_pending_org_key')
    .unique()
    .on('ownership_offers')
    .column('organization_id')
    .where(sql.ref('status'), '=', 'pending')
    .execute();
  // Voiding the offers of a membership that ends or changes role.
  await db.schema
    .createIndex('ownership_offers_pending_target_idx')
    .on('ownership_offers')
    .column('target_membership_id')
    .where(sql.ref('status'), '=', 'pending')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('ownership_offers').ifExists().execute();
}
