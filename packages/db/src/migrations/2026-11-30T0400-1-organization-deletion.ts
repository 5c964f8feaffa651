import { type Kysely, sql } from 'kysely';

/**
 * Deletion with a grace period. `organizations.scheduleDeletion` sets `deletion_due_at` (the end of the
 * grace period); `organizations.restore` clears it; after it, the purge worker ends every membership
 * (`removal_reason = 'organization_deleted'`) and marks the organization `deleted` (`deleted_at`). The
 * row stays for the audit trail, but its slug is free again: the slug is unique among live organizations
 * only.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table organizations drop constraint organizations_status_check`.execute(db);
  await sql`alter table organizations add constraint organizations_status_check
    check (status in ('active', 'deletion_scheduled', 'deleted'))`.execute(db);
  await sql`alter table organizations add column deletion_due_at timestamptz`.execute(db);
  await sql`alter table organizations add column deleted_at timestamptz`.execute(db);
  // Scheduled before grace periods existed: the default grace period from when it was scheduled.
  await sql`update organizations set deletion_due_at = deletion_scheduled_at + interval '30 days'
    where status = 'deletion_scheduled'`.execute(db);
  await sql`alter table organizations drop constraint organizations_deletion_consistent`.execute(db);
  await sql`alter table organizations add constraint organizations_deletion_consistent check (
    (status = 'active' and deletion_scheduled_at is null and deletion_due_at is null and deleted_at is null)
    or (status = 'deletion_scheduled' and deletion_scheduled_at is not null and deletion_due_at is not null
        and deleted_at is null)
    or (status = 'deleted' and deleted_at is not null))`.execute(db);
  // A deleted organization's slug may be taken again.
  await sql`drop index organizations_slug_key`.execute(db);
  await sql`create unique index organizations_slug_key on organizations (slug) where status <> 'deleted'`.execute(
    db,
  );
  // The purge worker's claim: scheduled organizations whose grace period is over, oldest first.
  await sql`create index organizations_deletion_due_idx on organizations (deletion_due_at)
    where status = 'deletion_scheduled'`.execute(db);

  await sql`alter table memberships drop constraint memberships_removal_reason_check`.execute(db);
  await sql`alter table memberships add constraint memberships_removal_reason_check
    check (removal_reason in ('left', 'removed', 'organization_deleted'))`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table memberships drop constraint memberships_removal_reason_check`.execute(db);
  await sql`alter table memberships add constraint memberships_removal_reason_check
    check (removal_reason in ('left', 'removed'))`.execute(db);
  await sql`drop index organizations_deletion_due_idx`.execute(db);
  await sql`drop index organizations_slug_key`.execute(db);
  await sql`create unique index organizations_slug_key on organizations (slug)`.execute(db);
  await sql`alter table organizations drop constraint organizations_deletion_consistent`.execute(db);
  await sql`alter table organizations add constraint organizations_deletion_consistent
    check ((status = 'deletion_scheduled') = (deletion_scheduled_at is not null))`.execute(db);
  await sql`alter table organizations drop column deleted_at`.execute(db);
  await sql`alter table organizations drop column deletion_due_at`.execute(db);
  await sql`alter table organizations drop constraint organizations_status_check`.execute(db);
  await sql`alter table organizations add constraint organizations_status_check
    check (status in ('active', 'deletion_scheduled'))`.execute(db);
}
