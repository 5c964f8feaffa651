import type { Database } from '@roster/db';
import type { Kysely } from 'kysely';
import { expect } from 'vitest';
import type { ErrorReason } from '../src/errors';

/**
 * Everything a membership procedure may change about one organization, keyed by row id, so a test
 * can say "this is exactly what changed" (`expect(after).toEqual(patched(before))`) or "nothing
 * changed" (`expect(after).toEqual(before)`).
 */
export interface OrganizationState {
  organization: { status: string; name: string; slug: string };
  memberships: Record<
    string,
    { userId: string; role: string; status: string; removalReason: string | null; removedBy: string | null }
  >;
  apiKeys: Record<string, { revokedReason: string | null }>;
  invitations: Record<
    string,
    { status: string; role: string; email: string; revokedBy: string | null; acceptedBy: string | null }
  >;
  sessions: Record<string, { activeOrganizationId: string | null }>;
  audit: Array<{
    action: string;
    actorUserId: string | null;
    actorApiKeyId: string | null;
    targetMembershipId: string | null;
  }>;
  outbox: Array<{ type: string; membershipId: unknown }>;
}

export async function organizationState(
  db: Kysely<Database>,
  organizationId: string,
  userIds: string[] = [],
): Promise<OrganizationState> {
  const [organization, memberships, apiKeys, invitations, sessions, audit, outbox] = await Promise.all([
    db
      .selectFrom('organizations')
      .select(['status', 'name', 'slug'])
      .where('id', '=', organizationId)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('memberships')
      .select(['id', 'user_id', 'role', 'status', 'removal_reason', 'removed_by'])
      .where('organization_id', '=', organizationId)
      .execute(),
    db
      .selectFrom('api_keys')
      .select(['id', 'revoked_at', 'revoked_reason'])
      .where('organization_id', '=', organizationId)
      .execute(),
    db
      .selectFrom('invitations')
      .select(['id', 'status', 'role', 'email', 'revoked_at', 'revoked_by', 'accepted_at', 'accepted_by'])
      .where('organization_id', '=', organizationId)
      .execute(),
    userIds.length
      ? db
          .selectFrom('sessions')
          .select(['id', 'active_organization_id'])
          .where('user_id', 'in', userIds)
          .execute()
      : Promise.resolve([]),
    db
      .selectFrom('audit_log')
      .select(['action', 'actor_user_id', 'actor_api_key_id', 'target_membership_id'])
      .where('organization_id', '=', organizationId)
      .orderBy('created_at')
      .orderBy('id')
      .execute(),
    db
      .selectFrom('outbox_events')
      .select(['type', 'payload'])
      .where('organization_id', '=', organizationId)
      .orderBy('created_at')
      .orderBy('id')
      .execute(),
  ]);
  for (const key of apiKeys) {
    // revoked_at and revoked_reason move together.
    expect(key.revoked_at === null).toBe(key.revoked_reason === null);
  }
  for (const invitation of invitations) {
    // A revoked invitation says when, an accepted one when and by whom; a pending one neither.
    expect(invitation.revoked_at !== null).toBe(invitation.status === 'revoked');
    expect(invitation.accepted_at !== null).toBe(invitation.status === 'accepted');
    expect(invitation.accepted_by !== null).toBe(invitation.status === 'accepted');
  }
  return {
    organization: { status: organization.status, name: organization.name, slug: organization.slug },
    memberships: Object.fromEntries(
      memberships.map((m) => [
        m.id,
        {
          userId: m.user_id,
          role: m.role,
          status: m.status,
          removalReason: m.removal_reason,
          removedBy: m.removed_by,
        },
      ]),
    ),
    apiKeys: Object.fromEntries(apiKeys.map((k) => [k.id, { revokedReason: k.revoked_reason }])),
    invitations: Object.fromEntries(
      invitations.map((i) => [
        i.id,
        {
          status: i.status,
          role: i.role,
          email: i.email,
          revokedBy: i.revoked_by,
          acceptedBy: i.accepted_by,
        },
      ]),
    ),
    sessions: Object.fromEntries(
      sessions.map((s) => [s.id, { activeOrganizationId: s.active_organization_id }]),
    ),
    audit: audit.map((a) => ({
      action: a.action,
      actorUserId: a.actor_user_id,
      actorApiKeyId: a.actor_api_key_id,
      targetMembershipId: a.target_membership_id,
    })),
    outbox: outbox.map((e) => ({
      type: e.type,
      membershipId: (e.payload as { membershipId?: unknown }).membershipId,
    })),
  };
}

/** Awaits a call expected to be refused and returns its reason (fails the test if it succeeds). */
export async function reasonOfRefusal(call: Promise<unknown>): Promise<ErrorReason> {
  try {
    await call;
  } catch (error) {
    const reason = (error as { reason?: ErrorReason }).reason;
    if (reason) return reason;
    const cause = (error as { cause?: { reason?: ErrorReason } }).cause;
    if (cause?.reason) return cause.reason;
    const code = (error as { code?: string }).code;
    if (code === 'BAD_REQUEST') return 'VALIDATION_FAILED';
    throw error;
  }
  throw new Error('expected the call to be refused, but it succeeded');
}

/**
 * Calls `call` expecting a refusal, checks that the organization's state (and the sessions of `userIds`)
 * did not change, and returns the reason.
 */
export async function refusalLeavingStateUnchanged(
  db: Kysely<Database>,
  organizationId: string,
  call: () => Promise<unknown>,
  userIds: string[] = [],
): Promise<ErrorReason> {
  const before = await organizationState(db, organizationId, userIds);
  const reason = await reasonOfRefusal(call());
  expect(await organizationState(db, organizationId, userIds)).toEqual(before);
  return reason;
}

/** The reason of a settled call, or 'ok'. */
export async function outcome(call: Promise<unknown>): Promise<ErrorReason | 'ok'> {
  try {
    await call;
    return 'ok';
  } catch {
    return reasonOfRefusal(call);
  }
}
