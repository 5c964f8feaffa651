import type { Role } from '@roster/db';
import { z } from 'zod';
import { RosterError } from '../../errors';
import { enqueueMail, skipPendingMails } from '../../mail/outbox';
import { ruleActorOf } from '../../procedures';
import { insertAuditEntry } from '../../queries/audit';
import { revokeInvitationTokens } from '../../queries/email-tokens';
import { lockInvitationForResend, markInvitationMailed } from '../../queries/invitations';
import { findUserById } from '../../queries/users';
import { canManageInvitation, isInvitationExpired, type RuleActor } from '../../rules';
import { lockOrganizationForActor } from '../../services/actor';
import { invitationIdInput, invitationProcedure, manageInvitationRule } from './guard';

export const resendInvitationInput = invitationIdInput;
export const resendInvitationOutput = z.object({ id: z.string(), mailedAt: z.string() });

/** An invitation's link is mailed at most once per this many seconds. */
export const INVITATION_RESEND_EVERY_S = 60;

function assertMayResend(actor: RuleActor, role: Role) {
  if (!canManageInvitation(actor, role)) {
    throw new RosterError('INSUFFICIENT_ROLE', `You may not resend an invitation as ${role}`);
  }
}

/**
 * Mails a pending invitation's link again, with a new token: the old link dies at once (and a mail still
 * waiting to be sent is dropped). Who may: as for create and revoke. At most once a minute per invitation
 * (INVITATION_RESEND_TOO_SOON); expired: INVITATION_EXPIRED (invite again instead).
 */
export const resend = invitationProcedure.mutation(async ({ ctx, input }) => {
  assertMayResend(ruleActorOf(ctx), ctx.invitation.role);
  return ctx.db.transaction().execute(async (trx) => {
    const { organization, ruleActor } = await lockOrganizationForActor(
      trx,
      ctx.caller,
      ctx.organization.id,
      manageInvitationRule,
    );
    assertMayResend(ruleActor, ctx.invitation.role);
    if (organization.status === 'deletion_scheduled')
      throw new RosterError('ORGANIZATION_DELETION_SCHEDULED');
    const invitation = await lockInvitationForResend(trx, input.invitationId);
    if (invitation?.status !== 'pending') throw new RosterError('INVITATION_NOT_FOUND');
    if (isInvitationExpired(new Date(invitation.expires_at))) throw new RosterError('INVITATION_EXPIRED');
    const since = invitation.seconds_since_mailed === null ? null : Number(invitation.seconds_since_mailed);
    if (since !== null && since < INVITATION_RESEND_EVERY_S) {
      throw new RosterError('INVITATION_RESEND_TOO_SOON', undefined, {
        details: { retryAfterSeconds: Math.max(1, Math.ceil(INVITATION_RESEND_EVERY_S - since)) },
      });
    }
    await revokeInvitationTokens(trx, invitation.id);
    await skipPendingMails(trx, 'invitation.created', 'invitationId', invitation.id);
    // An organization's own key acts for nobody: its mail goes out in the default language.
    const senderId = ctx.caller.type === 'user' ? ctx.caller.userId : ctx.caller.actsForUserId;
    const sender = senderId ? await findUserById(trx, senderId) : undefined;
    await enqueueMail(trx, {
      kind: 'invitation.created',
      to: invitation.email,
      locale: sender?.locale ?? 'en',
      params: { invitationId: invitation.id },
    });
    await markInvitationMailed(trx, invitation.id);
    await insertAuditEntry(trx, {
      organizationId: organization.id,
      action: 'invitation.resent',
      actorUserId: ctx.caller.type === 'user' ? ctx.caller.userId : null,
      actorApiKeyId: ctx.caller.type === 'apiKey' ? ctx.caller.apiKeyId : null,
      metadata: { invitationId: invitation.id, email: invitation.email, role: invitation.role },
    });
    return { id: invitation.id, mailedAt: new Date().toISOString() };
  });
});
