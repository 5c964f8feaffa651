import type { Role } from '@roster/db';
import { z } from 'zod';
import { RosterError } from '../../errors';
import { assertAccess, authedProcedure, resolveOrganizationAccess, ruleActorOf } from '../../procedures';
import { insertAuditEntry } from '../../queries/audit';
import { revokeInvitationTokens } from '../../queries/email-tokens';
import { findInvitation, markInvitationRevoked } from '../../queries/invitations';
import { ACCESS_RULES, canManageInvitation, type RuleActor } from '../../rules';
import { lockOrganizationForActor } from '../../services/actor';
import { id } from '../../validation';

export const revokeInvitationInput = z.strictObject({ invitationId: id });
export const revokeInvitationOutput = z.object({ id, organizationId: id, status: z.literal('revoked') });

/**
 * The guard: the invitation's organization, with the same access rules as an org-scoped procedure.
 * An unknown invitation and one of an organization the caller does not belong to look the same
 * (INVITATION_NOT_FOUND), so nothing is revealed about other organizations. A member of the invitation's
 * organization whose role may not revoke it gets INSUFFICIENT_ROLE, as everywhere in their organization.
 */
const rule = ACCESS_RULES['invitations.revoke'];

const invitationProcedure = authedProcedure.input(revokeInvitationInput).use(async ({ ctx, input, next }) => {
  const invitation = await findInvitation(ctx.db, input.invitationId);
  if (!invitation) throw new RosterError('INVITATION_NOT_FOUND');
  const access = await resolveOrganizationAccess(ctx.db, ctx.caller, invitation.organization_id).catch(
    (error: unknown) => {
      if (error instanceof RosterError && error.reason === 'ORGANIZATION_NOT_FOUND') {
        throw new RosterError('INVITATION_NOT_FOUND');
      }
      throw error;
    },
  );
  assertAccess({ caller: ctx.caller, ...access }, rule);
  return next({ ctx: { ...access, invitation } });
});

function assertMayRevoke(actor: RuleActor, role: Role) {
  if (!canManageInvitation(actor, role)) {
    throw new RosterError('INSUFFICIENT_ROLE', `You may not revoke an invitation as ${role}`, {
      details: { role },
    });
  }
}

/** Revokes a pending invitation. Admins (and API keys) may revoke invitations for members and viewers. */
export const revoke = invitationProcedure
  .meta({
    openapi: {
      method: 'DELETE',
      path: '/invitations/{invitationId}',
      summary: 'Revoke an invitation',
      tags: ['invitations'],
    },
    reasons: ['INVITATION_NOT_FOUND', 'INSUFFICIENT_ROLE', 'INSUFFICIENT_SCOPE', 'CONCURRENT_CHANGE'],
  })
  .output(revokeInvitationOutput)
  .mutation(async ({ ctx, input }) => {
    assertMayRevoke(ruleActorOf(ctx), ctx.invitation.role);
    const revokedBy = ctx.caller.type === 'user' ? ctx.caller.userId : null;
    return ctx.db.transaction().execute(async (trx) => {
      // Serialized with leaves and removals: the actor is re-read after the lock, so a key revoked by its
      // creator's leave (or a person who left) no longer acts, even if the guard ran before that commit.
      const { ruleActor } = await lockOrganizationForActor(trx, ctx.caller, ctx.organization.id, rule);
      assertMayRevoke(ruleActor, ctx.invitation.role);
      const revoked = await markInvitationRevoked(trx, input.invitationId, revokedBy);
      if (!revoked) throw new RosterError('INVITATION_NOT_FOUND');
      // Its mailed link dies with it.
      await revokeInvitationTokens(trx, input.invitationId);
      await insertAuditEntry(trx, {
        organizationId: ctx.organization.id,
        action: 'invitation.revoked',
        actorUserId: revokedBy,
        actorApiKeyId: ctx.caller.type === 'apiKey' ? ctx.caller.apiKeyId : null,
        metadata: {
          invitationId: input.invitationId,
          email: ctx.invitation.email,
          role: ctx.invitation.role,
        },
      });
      return { id: revoked.id, organizationId: ctx.organization.id, status: 'revoked' as const };
    });
  });
