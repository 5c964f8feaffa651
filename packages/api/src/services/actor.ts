import type { Role } from '@roster/db';
import type { ApiKeyCaller, UserCaller } from '../context';
import { RosterError } from '../errors';
import { type AccessRule, assertApiKeyRole } from '../procedures';
import type { Db } from '../queries/db';
import { type ApiKeyActsFor, isActiveMemberEmail, lockForMembershipChange } from '../queries/memberships';
import { apiKeyRole, type EndMembershipFacts, type RuleActor } from '../rules';

/**
 * The guard's verdict again, on what was re-read under the organization lock: access ends with the
 * commit that ends it, also for a request that authenticated just before. An API key revoked since
 * (by its creator's leave or removal, or by hand) is INVALID_API_KEY, like at authentication; a key
 * acts with its person's role of now (`apiKeyRole`: a demotion committed before the lock takes its
 * power, a promotion gives it back), checked against the allowlist like a person's; a person who is no
 * longer an active member gets ORGANIZATION_NOT_FOUND, like at the guard; a person whose role changed is
 * checked against the allowlist again (when `rule.roles` is given for people; membership changes judge
 * people with the domain rules instead). The one re-check `lockOrganizationForMembershipChange` runs,
 * and `lockOrganizationForActor` through it.
 */
function assertActorStillAllowed(
  caller: UserCaller | ApiKeyCaller | MembershipActor,
  fresh: { role: Role | null; apiKey: ApiKeyActsFor | null },
  rule: AccessRule,
  options: { checkPeople: boolean },
): { role: Role | null; apiKeyActsForUserId: string | null } {
  if (caller.type === 'apiKey') {
    if (!fresh.apiKey) throw new RosterError('INVALID_API_KEY');
    const role = apiKeyRole(
      fresh.apiKey.actsForUserId === null ? { organization: true } : { personRole: fresh.apiKey.personRole },
    );
    // Its person is no longer a member: their leave or removal revoked the key (or made it the organization's).
    if (!role) throw new RosterError('INVALID_API_KEY');
    assertApiKeyRole(role, rule);
    return { role: null, apiKeyActsForUserId: fresh.apiKey.actsForUserId };
  }
  if (!options.checkPeople) return { role: fresh.role, apiKeyActsForUserId: null };
  if (!fresh.role) throw new RosterError('ORGANIZATION_NOT_FOUND');
  if (!rule.roles.includes(fresh.role)) {
    throw new RosterError('INSUFFICIENT_ROLE', undefined, { details: { allowedRoles: rule.roles } });
  }
  return { role: fresh.role, apiKeyActsForUserId: null };
}

/**
 * Locks the organization (serializing with leaves, removals and role changes) and re-checks the actor
 * on what it reads under the lock — one round trip (`lockForMembershipChange`, the lock every membership
 * change takes too). For mutations whose guard ran before the lock: without the re-check, a request
 * that authenticated just before its actor's leave committed would still act after it. A key expired
 * since it authenticated is API_KEY_EXPIRED. With `memberEmail`, a second statement under the lock reads
 * whether that email is already an active member.
 * Returns the fresh role (null for API keys) and the actor as the domain rules see it.
 */
export async function lockOrganizationForActor(
  trx: Db,
  caller: UserCaller | ApiKeyCaller,
  organizationId: string,
  rule: AccessRule,
  options: { memberEmail?: string } = {},
) {
  const { organization, state } = await lockOrganizationForMembershipChange(trx, {
    organizationId,
    actor: caller,
    rule,
    membershipId: null,
    checkPeople: 'always',
  });
  const role = caller.type === 'user' ? (state.actor?.role ?? null) : null;
  const ruleActor: RuleActor = role ? { type: 'user', role } : { type: 'apiKey' };
  return {
    organization,
    role,
    ruleActor,
    apiKeyActsForUserId: state.actorApiKey?.actsForUserId ?? null,
    emailIsActiveMember:
      options.memberEmail !== undefined &&
      (await isActiveMemberEmail(trx, organizationId, options.memberEmail)),
  };
}

/**
 * Who changes a membership: a person (by user id) or an API key. An authenticated caller
 * (`UserCaller | ApiKeyCaller`) is one as it is.
 */
export type MembershipActor = { type: 'user'; userId: string } | { type: 'apiKey'; apiKeyId: string };

/**
 * The first round trip of every membership change (leave, remove, role change, ownership transfer and
 * offer): lock the organization and read, under the lock, the actor, the target membership and the
 * owner count (and, for a leave, where the actor goes next) — one call of `lockForMembershipChange`.
 * Then the actor is checked on that fresh read, the same checks for every change:
 * - a person who is no longer an active member: ORGANIZATION_NOT_FOUND;
 * - a key revoked since it authenticated (by its creator's leave or removal, or by hand):
 *   INVALID_API_KEY; expired since: API_KEY_EXPIRED; acting for a person whose role no longer allows
 *   `rule`: INSUFFICIENT_ROLE (`apiKeyRole`);
 * - with `checkPeople: 'always'`, a person is held to `rule`'s allowlist (`lockOrganizationForActor`);
 *   with `'othersOnly'`, only when acting on someone else's membership (`requireRoleUnderLock` leaves
 *   that check to here: changing your own is a leave); otherwise the domain rules judge people.
 * `membershipId` null: the target is the actor's own membership. `actorFacts` is the actor as the
 * refusal rules take it, with the person's role read under the lock.
 */
export async function lockOrganizationForMembershipChange(
  trx: Db,
  params: {
    organizationId: string;
    actor: MembershipActor;
    /** The procedure's allowlist: API keys are held to it again; people too with `checkPeople`. */
    rule: AccessRule;
    /** The membership to change; null: the actor's own (a leave). */
    membershipId: string | null;
    /** Also read the actor's next organization (a leave). */
    withNextOrganization?: boolean;
    /** Hold people to `rule`'s allowlist too: always, or only when acting on someone else's membership. */
    checkPeople?: 'always' | 'othersOnly';
  },
) {
  const actorUserId = params.actor.type === 'user' ? params.actor.userId : null;
  const { locked, organization, ...state } = await lockForMembershipChange(trx, {
    organizationId: params.organizationId,
    actorUserId,
    actorApiKeyId: params.actor.type === 'apiKey' ? params.actor.apiKeyId : null,
    targetMembershipId: params.membershipId,
    withNextOrganization: params.withNextOrganization ?? false,
  });
  if (!organization) throw new RosterError('ORGANIZATION_NOT_FOUND');
  if (params.actor.type === 'apiKey') {
    if (state.actorApiKey?.expired) throw new RosterError('API_KEY_EXPIRED');
    assertActorStillAllowed(params.actor, { role: null, apiKey: state.actorApiKey }, params.rule, {
      checkPeople: false,
    });
  } else {
    if (!state.actor) throw new RosterError('ORGANIZATION_NOT_FOUND');
    const changesOwn = state.target !== null && state.target.id === state.actor.id;
    if (params.checkPeople === 'always' || (params.checkPeople === 'othersOnly' && !changesOwn)) {
      assertActorStillAllowed(params.actor, { role: state.actor.role, apiKey: null }, params.rule, {
        checkPeople: true,
      });
    }
  }
  // Allowed now but not when the lock was asked for (they joined in between): nothing was locked.
  if (!locked) throw new RosterError('CONCURRENT_CHANGE');
  const actorFacts: EndMembershipFacts['actor'] =
    params.actor.type === 'apiKey' ? { type: 'apiKey' } : { type: 'user', role: state.actor?.role ?? null };
  return { organization, state, actorFacts };
}
