import { z } from 'zod';
import { RosterError } from '../../errors';
import { enqueueMail } from '../../mail/outbox';
import { requireRole } from '../../procedures';
import { insertAuditEntryAndEvent } from '../../queries/audit';
import { isUniqueViolation } from '../../queries/db';
import {
  findPendingOwnershipOffer,
  insertOwnershipOffer,
  retireExpiredOwnershipOffer,
} from '../../queries/ownership-offers';
import { ACCESS_RULES, OWNERSHIP_OFFER_TTL_MS, offerOwnershipRefusal } from '../../rules';
import { lockOrganizationForMembershipChange } from '../../services/actor';
import { id, isoDateTime } from '../../validation';

export const offerOwnershipInput = z.strictObject({ organizationId: id, memberId: id });
export const offerOwnershipOutput = z.object({
  id,
  organizationId: id,
  /** The offering owner's membership id. */
  offeredBy: id,
  /** The target's membership id. */
  target: id,
  expiresAt: isoDateTime,
});

/**
 * An owner offers ownership to another active member (the first step of a transfer; people only). Nothing
 * changes until the target accepts (`members.acceptOwnership`). One pending offer per organization
 * (OWNERSHIP_OFFER_PENDING), for 7 days; it dies when either side leaves, is removed or changes role.
 * Writes the audit entry and an `ownership.offered` event, and mails the target.
 */
export const offerOwnership = requireRole('members.offerOwnership')
  .meta({
    openapi: {
      method: 'POST',
      path: '/organizations/{organizationId}/ownership-offers',
      summary: 'Offer ownership to a member',
      description:
        'Owners (people only). The first step of a transfer: nothing changes until the member (`memberId`) ' +
        'accepts. One pending offer per organization, for 7 days; the target is mailed.',
      tags: ['members'],
    },
    reasons: [
      'SESSION_REQUIRED',
      'ORGANIZATION_NOT_FOUND',
      'INSUFFICIENT_ROLE',
      'ORGANIZATION_DELETION_SCHEDULED',
      'OWNERSHIP_OFFER_PENDING',
      'MEMBER_NOT_FOUND',
      'CONCURRENT_CHANGE',
    ],
  })
  .input(offerOwnershipInput)
  .output(offerOwnershipOutput)
  .mutation(async ({ ctx, input }) => {
    const userId = ctx.caller.userId;
    try {
      return await ctx.db.transaction().execute(async (trx) => {
        const { organization, state } = await lockOrganizationForMembershipChange(trx, {
          organizationId: input.organizationId,
          actor: ctx.caller,
          rule: ACCESS_RULES['members.offerOwnership'],
          membershipId: input.memberId,
        });
        // The guard ran before the lock: the caller must still be an owner.
        if (!state.actor) throw new RosterError('ORGANIZATION_NOT_FOUND');
        if (state.actor.role !== 'owner') throw new RosterError('INSUFFICIENT_ROLE');
        await retireExpiredOwnershipOffer(trx, input.organizationId);
        const refusal = offerOwnershipRefusal({
          organizationStatus: organization.status,
          target: state.target ? { isActor: state.target.id === state.actor.id } : null,
          pendingOffer: Boolean(await findPendingOwnershipOffer(trx, input.organizationId)),
        });
        if (refusal) throw new RosterError(refusal);
        const target = state.target as NonNullable<typeof state.target>;
        const offer = await insertOwnershipOffer(trx, {
          organizationId: input.organizationId,
          offeredByMembershipId: state.actor.id,
          targetMembershipId: target.id,
          targetRole: target.role,
          ttlMs: OWNERSHIP_OFFER_TTL_MS,
        });
        const expiresAt = new Date(offer.expires_at).toISOString();
        await insertAuditEntryAndEvent(
          trx,
          {
            organizationId: input.organizationId,
            action: 'ownership.offered',
            actorUserId: userId,
            actorApiKeyId: null,
            targetUserId: target.userId,
            targetMembershipId: target.id,
            metadata: { offerId: offer.id, targetRole: target.role, expiresAt },
          },
          {
            type: 'ownership.offered',
            payload: {
              organizationId: input.organizationId,
              offerId: offer.id,
              membershipId: target.id,
              userId: target.userId,
              role: target.role,
              offeredBy: { membershipId: state.actor.id, userId },
              expiresAt,
              actor: { userId, apiKeyId: null },
            },
          },
        );
        // The target is told, in their language (sent after commit by the server's mailer).
        const recipient = await trx
          .selectFrom('users')
          .select(['email', 'locale'])
          .where('id', '=', target.userId)
          .executeTakeFirstOrThrow();
        await enqueueMail(trx, {
          kind: 'ownership.offered',
          to: recipient.email,
          locale: recipient.locale,
          params: { offerId: offer.id },
        });
        return {
          id: offer.id,
          organizationId: input.organizationId,
          offeredBy: state.actor.id,
          target: target.id,
          expiresAt,
        };
      });
    } catch (error) {
      // Another owner's offer committed first: one pending offer per organization.
      if (isUniqueViolation(error, 'ownership_offers_pending_org_key')) {
        throw new RosterError('OWNERSHIP_OFFER_PENDING');
      }
      throw error;
    }
  });
