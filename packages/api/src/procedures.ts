import type { Organization, Role } from '@roster/db';
import { z } from 'zod';
import type { ApiKeyCaller, UserCaller } from './context';
import { RosterError } from './errors';
import { rejectUnstorableInput } from './input-guards';
import { findOrganizationAccess } from './queries/access';
import type { Db } from './queries/db';
import {
  ACCESS_RULES,
  type AccessActor,
  type AccessRule,
  accessRefusal,
  apiKeyRole,
  type RuleActor,
  type ScopedProcedure,
} from './rules';

export type { AccessRule } from './rules';

import { baseProcedure } from './trpc';
import { id } from './validation';

/** Postgres errors that mean "try again": lock_timeout, serialization failure, deadlock. */
const RETRYABLE_SQLSTATES = new Set(['55P03', '40001', '40P01']);

/**
 * Every procedure starts here, with one middleware (each step of tRPC's middleware chain costs a call
 * and copies of its options, on every request):
 * - a POST without a body is a call without input (tRPC's `httpLink` sends a mutation whose input is
 *   undefined that way; its batch links send `{}`). tRPC itself would parse the missing body as JSON and
 *   answer 400 "Unexpected end of JSON input", so the input is read as undefined before anything asks;
 * - input text the database could not store faithfully is refused before any handler runs
 *   (`findUnstorableText`: VALIDATION_FAILED naming the field, not a database error halfway through);
 * - database errors that mean "another change got in the way" become a retryable CONCURRENT_CHANGE
 *   instead of an internal error.
 */
export const publicProcedure = baseProcedure.use(async ({ ctx, getRawInput, next }) => {
  const bodyless = ctx.http?.bodyless === true;
  if (!bodyless) rejectUnstorableInput(await getRawInput());
  const result = await (bodyless ? next({ getRawInput: async () => undefined }) : next());
  if (!result.ok) {
    const cause = result.error.cause as { code?: unknown } | undefined;
    if (typeof cause?.code === 'string' && RETRYABLE_SQLSTATES.has(cause.code)) {
      throw new RosterError('CONCURRENT_CHANGE', undefined, { cause });
    }
  }
  return result;
});

/** A caller is required: a person (session) or a server (API key). */
export const authedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.caller) throw new RosterError('UNAUTHENTICATED');
  return next({ ctx: { caller: ctx.caller } });
});

/** People only: API keys are refused with SESSION_REQUIRED. */
export const userProcedure = authedProcedure.use(({ ctx, next }) => {
  if (ctx.caller.type !== 'user') throw new RosterError('SESSION_REQUIRED');
  return next({ ctx: { caller: ctx.caller as UserCaller } });
});

export interface OrganizationAccess {
  organization: Pick<
    Organization,
    'id' | 'slug' | 'name' | 'status' | 'deletion_scheduled_at' | 'deletion_due_at'
  >;
  /** The caller's active membership; null when the caller is an API key. */
  membership: { id: string; role: Role } | null;
  /** For an API key: the role it acts with now (`apiKeyRole`); null for people. */
  apiKeyRole: Role | null;
}

/**
 * Scoped to `input.organizationId`: resolves the caller's active membership there (or, for an API
 * key, checks the key belongs to that organization). Anything else answers ORGANIZATION_NOT_FOUND,
 * so a caller never learns whether an organization they do not belong to exists.
 * Membership is read from the database on every request: access ends with the commit that ends it.
 */
export const orgProcedure = authedProcedure
  .input(z.object({ organizationId: id }))
  .use(async ({ ctx, input, next }) => {
    const access = await resolveOrganizationAccess(ctx.db, ctx.caller, input.organizationId);
    return next({ ctx: access });
  });

export async function resolveOrganizationAccess(
  db: Db,
  caller: UserCaller | ApiKeyCaller,
  organizationId: string,
): Promise<OrganizationAccess> {
  if (caller.type === 'apiKey' && caller.organizationId !== organizationId) {
    throw new RosterError('ORGANIZATION_NOT_FOUND');
  }
  // For a key, the membership read is its person's: the key acts with their role of now.
  const person = caller.type === 'user' ? caller.userId : caller.actsForUserId;
  const row = await findOrganizationAccess(db, organizationId, person);
  if (!row) throw new RosterError('ORGANIZATION_NOT_FOUND');
  if (caller.type === 'user') {
    if (!row.membership) throw new RosterError('ORGANIZATION_NOT_FOUND');
    return { organization: row.organization, membership: row.membership, apiKeyRole: null };
  }
  const role = apiKeyRole(
    caller.actsForUserId === null ? { organization: true } : { personRole: row.membership?.role ?? null },
  );
  // Its person left since the key authenticated: that revoked the key.
  if (!role) throw new RosterError('INVALID_API_KEY');
  return { organization: row.organization, membership: null, apiKeyRole: role };
}

function guarded(rule: AccessRule) {
  return orgProcedure.use(({ ctx, next }) => {
    assertAccess(ctx, rule);
    return next();
  });
}

function guardedPerson(rule: AccessRule) {
  return orgProcedure.use(({ ctx, next }) => {
    assertAccess(ctx, rule);
    // A rule without an API key scope lets only a person with an active membership through.
    return next({ ctx: { caller: ctx.caller as UserCaller, membership: ctx.membership! } });
  });
}

type PeopleOnly<P extends ScopedProcedure> = (typeof ACCESS_RULES)[P] extends { apiKeyScope: string }
  ? false
  : true;

/**
 * An org-scoped procedure guarded by its row of `ACCESS_RULES`: `requireRole('members.remove')` lets in
 * the roles of that allowlist (people) and keys with its scope. A row without a scope is for people only:
 * the handler's `ctx.caller` is then a person and `ctx.membership` theirs.
 */
export function requireRole<P extends ScopedProcedure>(
  procedure: P,
): PeopleOnly<P> extends true ? ReturnType<typeof guardedPerson> : ReturnType<typeof guarded>;
export function requireRole(procedure: ScopedProcedure) {
  const rule: AccessRule = ACCESS_RULES[procedure];
  return rule.apiKeyScope ? guarded(rule) : guardedPerson(rule);
}

/**
 * A membership change whose access is decided under the organization lock (`members.leave`,
 * `members.remove`). Before the lock, only what needs no database: a key's organization, and the scope
 * part of the allowlist (scopes never change), or SESSION_REQUIRED for a people-only row. The rest — the
 * caller's active membership (ORGANIZATION_NOT_FOUND), the allowlist's roles, a key's revocation, expiry
 * and its person's role of now — is checked by `lockOrganizationForMembershipChange` on what it reads in
 * the round trip that takes the lock (`endMembership`, with the `members.remove` row; your own
 * membership is exempt: ending it is a leave): one check on fresh state, where `requireRole` checks
 * before the lock and the service again after it.
 */
export function requireRoleUnderLock<P extends 'members.leave' | 'members.remove'>(
  procedure: P,
): PeopleOnly<P> extends true ? ReturnType<typeof lockGuardedPerson> : ReturnType<typeof lockGuarded>;
export function requireRoleUnderLock(procedure: 'members.leave' | 'members.remove') {
  const rule: AccessRule = ACCESS_RULES[procedure];
  return rule.apiKeyScope ? lockGuarded(rule) : lockGuardedPerson(rule);
}

function lockGuarded(rule: AccessRule) {
  return authedProcedure.input(z.object({ organizationId: id })).use(({ ctx, input, next }) => {
    checkKeyBeforeLock(ctx.caller, input.organizationId, rule);
    return next();
  });
}

/** The same for a people-only row (a key is refused, SESSION_REQUIRED): the handler's caller is a person. */
function lockGuardedPerson(rule: AccessRule) {
  return authedProcedure.input(z.object({ organizationId: id })).use(({ ctx, input, next }) => {
    checkKeyBeforeLock(ctx.caller, input.organizationId, rule);
    return next({ ctx: { caller: ctx.caller as UserCaller } });
  });
}

/** What needs no database: a key's organization (ORGANIZATION_NOT_FOUND), then its scope. */
function checkKeyBeforeLock(
  caller: UserCaller | ApiKeyCaller,
  organizationId: string,
  rule: AccessRule,
): void {
  if (caller.type !== 'apiKey') return;
  if (caller.organizationId !== organizationId) throw new RosterError('ORGANIZATION_NOT_FOUND');
  assertApiKeyScope(caller, rule);
}

/** The scope part of an allowlist, for a key: SESSION_REQUIRED (a people-only row) or INSUFFICIENT_SCOPE. */
export function assertApiKeyScope(caller: ApiKeyCaller, rule: AccessRule): void {
  if (!rule.apiKeyScope) throw new RosterError('SESSION_REQUIRED');
  if (rule.apiKeyScope !== 'any' && !caller.scopes.includes(rule.apiKeyScope)) {
    throw new RosterError('INSUFFICIENT_SCOPE', `This API key lacks the ${rule.apiKeyScope} scope`, {
      details: { requiredScope: rule.apiKeyScope },
    });
  }
}

/**
 * The allowlist check behind `requireRole`, for guards that resolve the organization some other way
 * (`invitations.revoke` finds it from the invitation, `organizations.bySlug` from the slug).
 */
export function assertAccess(
  ctx: { caller: UserCaller | ApiKeyCaller; membership: { role: Role } | null; apiKeyRole: Role | null },
  rule: AccessRule,
): void {
  const actor = accessActorOf(ctx);
  const refusal = actor ? accessRefusal(actor, rule) : 'INSUFFICIENT_ROLE';
  if (refusal === 'INSUFFICIENT_SCOPE' && ctx.caller.type === 'apiKey') assertApiKeyScope(ctx.caller, rule);
  if (refusal === 'INSUFFICIENT_ROLE' && ctx.caller.type === 'apiKey') assertApiKeyRole(ctx.apiKeyRole, rule);
  if (refusal === 'INSUFFICIENT_ROLE') {
    throw new RosterError('INSUFFICIENT_ROLE', undefined, { details: { allowedRoles: rule.roles } });
  }
  if (refusal) throw new RosterError(refusal);
}

/**
 * A key never does what its person may no longer do: its scopes, limited by the role it acts with now
 * (`apiKeyRole`), held to the same allowlist as a person's. Scopes never change; this part is checked
 * again under the organization lock.
 */
export function assertApiKeyRole(role: Role | null, rule: AccessRule): void {
  if (!role || !rule.roles.includes(role)) {
    throw new RosterError(
      'INSUFFICIENT_ROLE',
      `This API key acts for a person whose role (${role ?? 'none'}) does not allow this`,
      { details: { allowedRoles: rule.roles, apiKeyRole: role } },
    );
  }
}

/** The caller as the allowlists see it; null for a person without an active membership. */
export function accessActorOf(ctx: {
  caller: UserCaller | ApiKeyCaller;
  membership: { role: Role } | null;
  apiKeyRole: Role | null;
}): AccessActor | null {
  if (ctx.caller.type === 'apiKey')
    return { type: 'apiKey', scopes: ctx.caller.scopes, role: ctx.apiKeyRole };
  return ctx.membership ? { type: 'user', role: ctx.membership.role } : null;
}

/** The caller as the domain rules see it: a person with their role, or an API key. */
export function ruleActorOf(ctx: {
  caller: UserCaller | ApiKeyCaller;
  membership: { role: Role } | null;
}): RuleActor {
  if (ctx.caller.type === 'apiKey') return { type: 'apiKey' };
  if (!ctx.membership) throw new RosterError('ORGANIZATION_NOT_FOUND');
  return { type: 'user', role: ctx.membership.role };
}
