import type { Organization, Role } from '@roster/db';
import { insertAuditEntryAndEvent } from '../queries/audit';
import type { Db } from '../queries/db';
import { revokeInvitationTokens } from '../queries/email-tokens';
import { markInvitationAccepted } from '../queries/invitations';
import { insertMembership } from '../queries/memberships';

/**
 * The one way an invitation becomes a membership (`invitations.accept` and `invitations.acceptByToken`):
 * call it with the organization and the invitation locked and re-checked. Creates the membership, marks
 * the invitation accepted, kills its remaining link tokens, writes the audit entry and the event.
 */
export async function acceptLockedInvitation(
  trx: Db,
  params: {
    organization: Pick<Organization, 'id' | 'slug' | 'name'>;
    invitation: { id: string; role: Role; invited_by: string | null };
    userId: string;
  },
) {
  const { organization, invitation, userId } = params;
  const membership = await insertMembership(trx, {
    organizationId: organization.id,
    userId,
    role: invitation.role,
  });
  await markInvitationAccepted(trx, invitation.id, userId);
  await revokeInvitationTokens(trx, invitation.id);
  await insertAuditEntryAndEvent(
    trx,
    {
      organizationId: organization.id,
      action: 'invitation.accepted',
      actorUserId: userId,
      actorApiKeyId: null,
      targetUserId: userId,
      targetMembershipId: membership.id,
      metadata: { invitationId: invitation.id, role: invitation.role, invitedBy: invitation.invited_by },
    },
    {
      type: 'member.added',
      payload: {
        organizationId: organization.id,
        membershipId: membership.id,
        userId,
        role: invitation.role,
        invitationId: invitation.id,
      },
    },
  );
  return {
    memberId: membership.id,
    role: membership.role,
    organization: { id: organization.id, slug: organization.slug, name: organization.name },
  };
}
