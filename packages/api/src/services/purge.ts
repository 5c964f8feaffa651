import type { Database } from '@roster/db';
import type { Kysely } from 'kysely';
import { insertAuditEntryAndEvent } from '../queries/audit';
import { claimDueOrganization, endMembershipsBatch, finishOrganizationDeletion } from '../queries/purge';

export interface PurgeOptions {
  /** Memberships ended per transaction: a large organization is purged in several short transactions. */
  batchSize?: number;
  /** Transactions per call, at most (a bound on one call's work; the next call goes on). */
  maxBatches?: number;
}

export interface PurgeResult {
  /** Organizations marked deleted by this call. */
  deleted: Array<{ organizationId: string; memberships: number; apiKeys: number; invitations: number }>;
  /** Memberships ended by this call. */
  membershipsEnded: number;
  /** Transactions run. */
  batches: number;
}

/**
 * Deletes the organizations whose deletion grace period is over, batch by batch, each batch one
 * transaction holding the organization's row lock (claimed with `FOR UPDATE SKIP LOCKED`, so workers
 * racing each other never purge the same organization at once):
 * - while it has active memberships: end up to `batchSize` of them (`removal_reason = 'organization_deleted'`);
 * - then, once: revoke its API keys, pending invitations and session pointers, write the
 *   `organization.deleted` audit entry and outbox event, and mark it `deleted` (its slug is free again).
 * Idempotent: every step only touches what is still active, and the last step happens once because it
 * changes the status under the lock. A restored organization is never touched.
 */
export async function purgeDueOrganizations(
  db: Kysely<Database>,
  options: PurgeOptions = {},
): Promise<PurgeResult> {
  const batchSize = options.batchSize ?? 500;
  const maxBatches = options.maxBatches ?? 100;
  const result: PurgeResult = { deleted: [], membershipsEnded: 0, batches: 0 };
  while (result.batches < maxBatches) {
    const step = await db.transaction().execute(async (trx) => {
      const organization = await claimDueOrganization(trx);
      if (!organization) return null;
      const ended = await endMembershipsBatch(trx, organization.id, batchSize);
      if (ended === batchSize) return { ended, deleted: null };
      const purged = await finishOrganizationDeletion(trx, organization.id);
      await insertAuditEntryAndEvent(
        trx,
        {
          organizationId: organization.id,
          action: 'organization.deleted',
          actorUserId: null,
          actorApiKeyId: null,
          metadata: { slug: organization.slug, ...purged },
        },
        {
          type: 'organization.deleted',
          payload: {
            organizationId: organization.id,
            slug: organization.slug,
            deletionScheduledAt: new Date(organization.deletion_scheduled_at!).toISOString(),
            ...purged,
            actor: { userId: null, apiKeyId: null },
          },
        },
      );
      return {
        ended,
        deleted: {
          organizationId: organization.id,
          memberships: purged.memberships,
          apiKeys: purged.apiKeys,
          invitations: purged.invitations,
        },
      };
    });
    if (!step) break;
    result.batches += 1;
    result.membershipsEnded += step.ended;
    if (step.deleted) result.deleted.push(step.deleted);
  }
  return result;
}
