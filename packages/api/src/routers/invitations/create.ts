import { INVITATION_STATUSES, type OrganizationStatus, type Role } from '@roster/db';
import { z } from 'zod';
import { RosterError } from '../../errors';
import { enqueueMail } from '../../mail/outbox';
import { requireRole, ruleActorOf } from '../../procedures';
import { insertAuditEntry } from '../../queries/audit';
import { isUniqueViolation } from '../../queries/db';
import { insertInvitation, markInvitationMailed, retireExpiredInvitation } from '../../queries/invitations';
import { findUserById } from '../../queries/users';
import { ACCESS_RULES, INVITATION_TTL_MS, invitationRefusal, type RuleActor } from '../../rules';
import { lockOrganizationForActor } from '../../services/actor';
import { email, id, isoDateTime, role } from '../../validation';

export const createInvitationInput = z.strictObject({ organizationId: id, email, role });
export const createInvitationOutput = z.object({
  id,
  organizationId: id,
  email: z.string(),
  role,
  status: z.enum(INVITATION_STATUSES),
  createdAt: isoDateTime,
  expiresAt: isoDateTime,
});

const rule = ACCESS_RULES['invitations.create'];

/** The refusal rules of `organizations.permissions`' `invite`, before the lock and again under it. */
function assertMayInvite(actor: RuleActor, role: Role, organizationStatus: OrganizationStatus) {
  const refusal = invitationRefusal({ actor, role, organizationStatus });
  if (refusal === 'INSUFFICIENT_ROLE') {
    throw new RosterError('INSUFFICIENT_ROLE', `You may not invite someone as ${role}`, {
      details: { role },
    });
  }
  if (refusal) throw new RosterError(refusal);
}

/**
 * Invites an email address into the organization with a role, valid for 7 days, and mails the address a
 * single-use link (`/invite/<token>`) in the same transaction (sent after commit). Owners may invite any
 * role; admins (and API keys with members:write) members and viewers.
 */
export const create = requireRole('invitations.create')
  .meta({
    openapi: {
      method: 'POST',
      path: '/organizations/{organizationId}/invitations',
      summary: 'Invite someone',
      description: 'Invites an email address with a role, valid for 7 days.',
      tags: ['invitations'],
    },
    reasons: [
      'ORGANIZATION_NOT_FOUND',
      'INSUFFICIENT_ROLE',
      'INSUFFICIENT_SCOPE',
      'ORGANIZATION_DELETION_SCHEDULED',
      'ALREADY_MEMBER',
      'INVITATION_ALREADY_PENDING',
      'CONCURRENT_CHANGE',
    ],
  })
  .input(createInvitationInput)
  .output(createInvitationOutput)
  .mutation(async ({ ctx, input }) => {
    assertMayInvite(ruleActorOf(ctx), input.role, ctx.organization.status);
    try {
      return await ctx.db.transaction().execute(async (trx) => {
        // The guard ran before the lock: re-read the actor (and whether the invitee is a member) after it.
        const { organization, ruleActor, apiKeyActsForUserId, emailIsActiveMember } =
          await lockOrganizationForActor(trx, ctx.caller, input.organizationId, rule, {
            memberEmail: input.email,
          });
        assertMayInvite(ruleActor, input.role, organization.status);
        if (emailIsActiveMember) throw new RosterError('ALREADY_MEMBER');
        await retireExpiredInvitation(trx, input.organizationId, input.email);
        const invitation = await insertInvitation(trx, {
          organizationId: input.organizationId,
          email: input.email,
          role: input.role,
          // A key invites on behalf of the person it acts for; an organization's own key (kept through
          // its creator's removal) in its own name, never in the removed person's.
          invitedBy: ctx.caller.type === 'user' ? ctx.caller.userId : apiKeyActsForUserId,
          invitedByApiKeyId: ctx.caller.type === 'apiKey' ? ctx.caller.apiKeyId : null,
          expiresAt: new Date(Date.now() + INVITATION_TTL_MS),
        });
        // The link goes out by mail after commit, in the inviter's language; it proves the address.
        const inviter = invitation.invited_by ? await findUserById(trx, invitation.invited_by) : undefined;
        await enqueueMail(trx, {
          kind: 'invitation.created',
          to: invitation.email,
          locale: inviter?.locale ?? 'en',
          params: { invitationId: invitation.id },
        });
        await markInvitationMailed(trx, invitation.id);
        await insertAuditEntry(trx, {
          organizationId: input.organizationId,
          action: 'invitation.created',
          actorUserId: ctx.caller.type === 'user' ? ctx.caller.userId : null,
          actorApiKeyId: ctx.caller.type === 'apiKey' ? ctx.caller.apiKeyId : null,
          metadata: { invitationId: invitation.id, email: invitation.email, role: invitation.role },
        });
        return {
          id: invitation.id,
          organizationId: invitation.organization_id,
          email: invitation.email,
          role: invitation.role,
          status: invitation.status,
          createdAt: new Date(invitation.created_at).toISOString(),
          expiresAt: new Date(invitation.expires_at).toISOString(),
        };
      });
    } catch (error) {
      if (isUniqueViolation(error, 'invitations_pending_org_email_key')) {
        throw new RosterError('INVITATION_ALREADY_PENDING');
      }
      throw error;
    }
  });
