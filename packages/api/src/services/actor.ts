import type { Role } from '@roster/db';
import type { ApiKeyCaller, UserCaller } from '../context';
import { RosterError } from '../errors';
import { type AccessRule, assertAccess } from '../procedures';
import type { Db } from '../queries/db';
import { type ActorAccessState, readActorAccess, readMembershipChangeState } from '../queries/memberships';
import { lockOrganization } from '../queries/organizations';
import type { EndMembershipFacts, RuleActor } from '../rules';

/**
 * The guard's verdict again, on what was re-read under the organization lock: access ends with the
 * commit that ends it, also for a request that authenticated just before. An API key revoked since
 * (by its creator's leave or removal, or by hand) is INVALID_API_KEY, like at authentication; a person
 * who is no longer an active member gets ORGANIZATION_NOT_FOUND, like at the guard; a person whose role
 * changed is checked against the allowlist again. Returns the fresh role (null for API keys).
 */
function assertActorStillAllowed(
  caller: UserCaller | ApiKeyCaller,
  fresh: Pick<ActorAccessState, 'role' | 'apiKeyLive'>,
  rule?: AccessRule,
): { role: Role | null } {
  if (caller.type === 'apiKey') {
    if (!fresh.apiKeyLive) throw new RosterError('INVALID_API_KEY');
    if (rule) assertAccess({ caller, membership: null }, rule);
    return { role: null };
  }
  if (!fresh.role) throw new RosterError('ORGANIZATION_NOT_FOUND');
  if (rule) assertAccess({ caller, membership: { role: fresh.role } }, rule);
  return { role: fresh.role };
}

/**
 * Locks the organization (serializing with leaves, removals and role changes) and re-checks the actor
 * after the lock — two statements. For mutations whose guard ran before the lock: without the re-check,
 * a request that authenticated just before its actor's leave committed would still act after it.
 * With `memberEmail`, the same statement also reads whether that email is already an active member.
 * Returns the fresh role (null for API keys) and the actor as the domain rules see it.
 */
export async function lockOrganizationForActor(
  trx: Db,
  caller: UserCaller | ApiKeyCaller,
  organizationId: string,
  rule: AccessRule,
  options: { memberEmail?: string } = {},
) {
  const organization = await lockOrganization(trx, organizationId);
  if (!organization) throw new RosterError('ORGANIZATION_NOT_FOUND');
  const fresh = await readActorAccess(trx, {
    organizationId,
    actorUserId: caller.type === 'user' ? caller.userId : null,
    actorApiKeyId: caller.type === 'apiKey' ? caller.apiKeyId : null,
    memberEmail: options.memberEmail ?? null,
  });
  const { role } = assertActorStillAllowed(caller, fresh, rule);
  const ruleActor: RuleActor = role ? { type: 'user', role } : { type: 'apiKey' };
  return { organization, role, ruleActor, emailIsActiveMember: fresh.emailIsActiveMember };
}

/**
 * Who changes a membership: a person (by user id) or an API key. An authenticated caller
 * (`UserCaller | ApiKeyCaller`) is one as it is.
 */
export type MembershipActor = { type: 'user'; userId: string } | { type: 'apiKey'; apiKeyId: string };

/**
 * The first two statements of every membership change (leave, remove, role change, ownership transfer):
 * lock the organization, then read the actor, the target membership and the owner count under the lock
 * (and, for a leave, where the actor goes next). An API key that authenticated before the lock but was
 * revoked since (by its creator's leave or removal) is INVALID_API_KEY. `actorFacts` is the actor as the
 * refusal rules take it, with the person's role re-read under the lock.
 */
export async function lockOrganizationForMembershipChange(
  trx: Db,
  params: {
    organizationId: string;
    actor: MembershipActor;
    membershipId: string;
    /** Also read the actor's next organization (a leave). */
    withNextOrganization?: boolean;
  },
) {
  const organization = await lockOrganization(trx, params.organizationId);
  if (!organization) throw new RosterError('ORGANIZATION_NOT_FOUND');
  const actorUserId = params.actor.type === 'user' ? params.actor.userId : null;
  const state = await readMembershipChangeState(trx, {
    organizationId: params.organizationId,
    actorUserId,
    actorApiKeyId: params.actor.type === 'apiKey' ? params.actor.apiKeyId : null,
    targetMembershipId: params.membershipId,
    nextOrganizationForUserId: params.withNextOrganization ? actorUserId : null,
  });
  if (params.actor.type === 'apiKey' && !state.actorApiKeyLive) throw new RosterError('INVALID_API_KEY');
  const actorFacts: EndMembershipFacts['actor'] =
    params.actor.type === 'apiKey' ? { type: 'apiKey' } : { type: 'user', role: state.actor?.role ?? null };
  return { organization, state, actorFacts };
}
