import { z } from 'zod';
import { requireRole } from '../../procedures';
import { listAllAuditEntries, listAllInvitations, listAllMemberships } from '../../queries/export';
import { id } from '../../validation';

export const exportInput = z.strictObject({ organizationId: id });

const iso = (value: Date | string | null) => (value ? new Date(value).toISOString() : null);

/**
 * The organization's data as JSON (owners only, people only): every membership (active and ended),
 * every invitation and the whole audit log, oldest first — also while its deletion is scheduled, until
 * the purge. Read in one transaction (one snapshot), so the three lists agree with each other. Secrets
 * (API keys, tokens, webhook secrets) are never part of it.
 */
export const exportOrganization = requireRole('organizations.export')
  .input(exportInput)
  .query(async ({ ctx, input }) => {
    const organizationId = input.organizationId;
    const [members, invitations, auditLog] = await ctx.db
      .transaction()
      .setIsolationLevel('repeatable read')
      .execute((trx) =>
        Promise.all([
          listAllMemberships(trx, organizationId),
          listAllInvitations(trx, organizationId),
          listAllAuditEntries(trx, organizationId),
        ]),
      );
    const organization = ctx.organization;
    return {
      exportedAt: new Date().toISOString(),
      organization: {
        id: organization.id,
        slug: organization.slug,
        name: organization.name,
        status: organization.status,
        deletionScheduledAt: iso(organization.deletion_scheduled_at),
        deletionDueAt: iso(organization.deletion_due_at),
      },
      members: members.map((m) => ({
        id: m.id,
        userId: m.user_id,
        email: m.email,
        name: m.name,
        role: m.role,
        status: m.status,
        joinedAt: iso(m.created_at),
        removedAt: iso(m.removed_at),
        removedBy: m.removed_by,
        removalReason: m.removal_reason,
      })),
      invitations: invitations.map((i) => ({
        id: i.id,
        email: i.email,
        role: i.role,
        status: i.status,
        invitedBy: i.invited_by,
        createdAt: iso(i.created_at),
        expiresAt: iso(i.expires_at),
        acceptedAt: iso(i.accepted_at),
        acceptedBy: i.accepted_by,
        revokedAt: iso(i.revoked_at),
        revokedBy: i.revoked_by,
      })),
      auditLog: auditLog.map((a) => ({
        id: a.id,
        action: a.action,
        actorUserId: a.actor_user_id,
        actorApiKeyId: a.actor_api_key_id,
        targetUserId: a.target_user_id,
        targetMembershipId: a.target_membership_id,
        metadata: a.metadata,
        createdAt: iso(a.created_at),
      })),
    };
  });
