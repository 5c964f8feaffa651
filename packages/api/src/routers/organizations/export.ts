import { INVITATION_STATUSES, MEMBERSHIP_STATUSES, ORGANIZATION_STATUSES, REMOVAL_REASONS } from '@roster/db';
import { z } from 'zod';
import { requireRole } from '../../procedures';
import { listAllAuditEntries, listAllInvitations, listAllMemberships } from '../../queries/export';
import { id, isoDateTime, name, role, slug } from '../../validation';

export const exportInput = z.strictObject({ organizationId: id });

export const exportOutput = z.object({
  exportedAt: isoDateTime,
  organization: z.object({
    id,
    slug,
    name,
    status: z.enum(ORGANIZATION_STATUSES),
    deletionScheduledAt: isoDateTime.nullable(),
    deletionDueAt: isoDateTime.nullable(),
  }),
  /** Every membership, active and ended, in joining order. */
  members: z.array(
    z.object({
      id,
      userId: id,
      email: z.string(),
      name: z.string(),
      role,
      status: z.enum(MEMBERSHIP_STATUSES),
      joinedAt: isoDateTime,
      removedAt: isoDateTime.nullable(),
      removedBy: id.nullable(),
      removalReason: z.enum(REMOVAL_REASONS).nullable(),
    }),
  ),
  /** Every invitation, oldest first. */
  invitations: z.array(
    z.object({
      id,
      email: z.string(),
      role,
      status: z.enum(INVITATION_STATUSES),
      invitedBy: id.nullable(),
      createdAt: isoDateTime,
      expiresAt: isoDateTime,
      acceptedAt: isoDateTime.nullable(),
      acceptedBy: id.nullable(),
      revokedAt: isoDateTime.nullable(),
      revokedBy: id.nullable(),
    }),
  ),
  /** The whole audit log, oldest first. */
  auditLog: z.array(
    z.object({
      id,
      action: z.string(),
      actorUserId: id.nullable(),
      actorApiKeyId: id.nullable(),
      targetUserId: id.nullable(),
      targetMembershipId: id.nullable(),
      metadata: z.record(z.string(), z.unknown()),
      createdAt: isoDateTime,
    }),
  ),
});

function iso(value: Date | string): string;
function iso(value: Date | string | null): string | null;
function iso(value: Date | string | null) {
  return value ? new Date(value).toISOString() : null;
}

/**
 * The organization's data as JSON (owners only, people only): every membership (active and ended),
 * every invitation and the whole audit log, oldest first — also while its deletion is scheduled, until
 * the purge. Read in one transaction (one snapshot), so the three lists agree with each other. Secrets
 * (API keys, tokens, webhook secrets) are never part of it.
 */
export const exportOrganization = requireRole('organizations.export')
  .meta({
    openapi: {
      method: 'GET',
      path: '/organizations/{organizationId}/export',
      summary: 'Export an organization',
      description:
        'Owners (people only). Every membership (active and ended), every invitation and the whole audit log, ' +
        'oldest first, from one snapshot; also while its deletion is scheduled, until the purge. No secrets.',
      tags: ['organizations'],
    },
    reasons: ['SESSION_REQUIRED', 'ORGANIZATION_NOT_FOUND', 'INSUFFICIENT_ROLE'],
  })
  .input(exportInput)
  .output(exportOutput)
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
        metadata: a.metadata as Record<string, unknown>,
        createdAt: iso(a.created_at),
      })),
    };
  });
