/**
 * A small in-memory model of the membership rules (../shared/DESIGN.md), to compare every answer of the
 * real API with. Users, organizations and API keys are small integers here; ids come from the real API.
 * The rules are written out here, not imported from @roster/api's rules.ts, on purpose: an oracle that
 * calls the code under test cannot catch a mistake in it.
 */
export type Role = 'owner' | 'admin' | 'member' | 'viewer';
const DELEGABLE: Role[] = ['member', 'viewer'];

export type Actor = { type: 'user'; user: number } | { type: 'key'; key: number };

export type Op =
  | { kind: 'leave'; org: number; user: number }
  | { kind: 'remove'; org: number; actor: Actor; target: number }
  | { kind: 'updateRole'; org: number; actor: Actor; target: number; role: Role }
  | { kind: 'transferOwnership'; org: number; user: number; target: number }
  | { kind: 'invite'; org: number; actor: Actor; target: number; role: Role }
  | { kind: 'accept'; org: number; user: number }
  | { kind: 'scheduleDeletion'; org: number; user: number }
  | { kind: 'restore'; org: number; user: number }
  | { kind: 'offerOwnership'; org: number; user: number; target: number }
  | { kind: 'acceptOwnership'; org: number; user: number };

/** An operation with the ids it was sent with (resolved from the model before its batch). */
export type ResolvedOp = Op & { memberId?: string; invitationId?: string; offerId?: string };

export interface OrgModel {
  status: 'active' | 'deletion_scheduled';
  /** Active memberships by user. */
  members: Map<number, { id: string; role: Role }>;
  /** The last membership id a user had here (to aim at stale ids). */
  lastMembership: Map<number, string>;
  /** Pending invitations by invited user (their email). */
  invitations: Map<number, { id: string; role: Role; invitedBy: number }>;
  /** API keys created in this organization (index = key number in ops). */
  keys: Array<{ creator: number; revoked: boolean }>;
  /** The pending ownership offer (one per organization): by and to users, the target's role when offered. */
  offer: { id: string; by: number; target: number; targetRole: Role } | null;
  /** Expected audit entries and outbox events, by action / type. */
  audit: Record<string, number>;
  events: Record<string, number>;
}

export interface Outcome {
  ok: boolean;
  /** error.data.reason when refused. */
  reason?: string;
  /** What the answer carried that the model cannot know: new ids. */
  newId?: string;
}

export function cloneOrgs(orgs: OrgModel[]): OrgModel[] {
  return structuredClone(orgs);
}

function count(record: Record<string, number>, key: string) {
  record[key] = (record[key] ?? 0) + 1;
}

function ownerCount(org: OrgModel) {
  return [...org.members.values()].filter((m) => m.role === 'owner').length;
}

type RuleActor = { type: 'user'; role: Role } | { type: 'apiKey' };

function canRemove(actor: RuleActor, target: Role) {
  if (actor.type === 'user' && actor.role === 'owner') return true;
  if (actor.type === 'apiKey' || actor.role === 'admin') return DELEGABLE.includes(target);
  return false;
}
function canChangeRole(actor: RuleActor, from: Role, to: Role) {
  if (actor.type === 'user' && actor.role === 'owner') return true;
  if (actor.type === 'apiKey' || actor.role === 'admin')
    return DELEGABLE.includes(from) && DELEGABLE.includes(to);
  return false;
}
const canInvite = canRemove;

function endMembership(org: OrgModel, user: number, reason: 'left' | 'removed') {
  const membership = org.members.get(user)!;
  org.members.delete(user);
  org.lastMembership.set(user, membership.id);
  for (const [invitee, invitation] of org.invitations) {
    if (invitation.invitedBy === user) org.invitations.delete(invitee);
  }
  for (const key of org.keys) if (key.creator === user) key.revoked = true;
  voidOffer(org, [user]);
  count(org.audit, reason === 'left' ? 'member.left' : 'member.removed');
  count(org.events, 'member.removed');
}

const refuse = (reason: string): Outcome => ({ ok: false, reason });

/** An ownership offer dies when either side leaves, is removed or changes role. */
function voidOffer(org: OrgModel, users: number[]) {
  if (org.offer && (users.includes(org.offer.by) || users.includes(org.offer.target))) org.offer = null;
}

/**
 * Applies one operation to the model (mutating `orgs`) and returns the answer the rules call for.
 * `observed` supplies ids the real answer created (a new membership or invitation).
 */
export function applyOp(orgs: OrgModel[], op: ResolvedOp, observed: Outcome): Outcome {
  const org = orgs[op.org]!;
  // Who is calling, as the guards resolve it.
  let actor: RuleActor;
  let actorUser: number | null = null;
  const caller: Actor = 'actor' in op ? op.actor : { type: 'user', user: (op as { user: number }).user };
  if (caller.type === 'key') {
    const key = org.keys[caller.key]!;
    if (key.revoked) return refuse('INVALID_API_KEY');
    // A key acts with its creator's role of now, never beyond an admin's: every operation a key can be
    // sent (remove, updateRole, invite) is for owners and admins, so a demoted creator's key is refused
    // by the guard, before anything about the target is looked at.
    const creatorRole = org.members.get(key.creator)?.role;
    if (creatorRole !== 'owner' && creatorRole !== 'admin') return refuse('INSUFFICIENT_ROLE');
    actor = { type: 'apiKey' };
  } else {
    actorUser = caller.user;
    if (op.kind !== 'accept' && op.kind !== 'acceptOwnership') {
      const membership = org.members.get(caller.user);
      if (!membership) return refuse('ORGANIZATION_NOT_FOUND');
      actor = { type: 'user', role: membership.role };
    } else {
      actor = { type: 'user', role: 'viewer' };
    }
  }
  const byId = (memberId: string | undefined) =>
    [...org.members.entries()].find(([, m]) => m.id === memberId) ?? null;

  switch (op.kind) {
    case 'leave': {
      if (org.status === 'deletion_scheduled') return refuse('ORGANIZATION_DELETION_SCHEDULED');
      const me = org.members.get(op.user)!;
      if (me.role === 'owner' && ownerCount(org) <= 1) return refuse('AT_LEAST_ONE_OWNER_REQUIRED');
      endMembership(org, op.user, 'left');
      return { ok: true };
    }
    case 'remove': {
      const self = actorUser !== null && org.members.get(actorUser)?.id === op.memberId;
      if (!self && actor.type === 'user' && !['owner', 'admin'].includes(actor.role)) {
        return refuse('INSUFFICIENT_ROLE');
      }
      const target = byId(op.memberId);
      if (!target) return refuse('MEMBER_NOT_FOUND');
      // While scheduled for deletion nobody leaves, but removing someone else still works.
      if (self && org.status === 'deletion_scheduled') return refuse('ORGANIZATION_DELETION_SCHEDULED');
      if (!self && !canRemove(actor, target[1].role)) return refuse('INSUFFICIENT_ROLE');
      if (target[1].role === 'owner' && ownerCount(org) <= 1) return refuse('AT_LEAST_ONE_OWNER_REQUIRED');
      endMembership(org, target[0], self ? 'left' : 'removed');
      return { ok: true };
    }
    case 'updateRole': {
      if (actor.type === 'user' && !['owner', 'admin'].includes(actor.role))
        return refuse('INSUFFICIENT_ROLE');
      const target = byId(op.memberId);
      if (!target) return refuse('MEMBER_NOT_FOUND');
      if (org.status === 'deletion_scheduled') return refuse('ORGANIZATION_DELETION_SCHEDULED');
      const from = target[1].role;
      if (!canChangeRole(actor, from, op.role)) return refuse('INSUFFICIENT_ROLE');
      if (from === 'owner' && op.role !== 'owner' && ownerCount(org) <= 1) {
        return refuse('AT_LEAST_ONE_OWNER_REQUIRED');
      }
      if (from !== op.role) {
        target[1].role = op.role;
        voidOffer(org, [target[0]]);
        count(org.audit, 'member.role_changed');
        count(org.events, 'member.role_changed');
      }
      return { ok: true };
    }
    case 'transferOwnership': {
      if (actor.type !== 'user' || actor.role !== 'owner') return refuse('INSUFFICIENT_ROLE');
      const target = byId(op.memberId);
      if (!target || target[0] === op.user) return refuse('MEMBER_NOT_FOUND');
      if (org.status === 'deletion_scheduled') return refuse('ORGANIZATION_DELETION_SCHEDULED');
      target[1].role = 'owner';
      org.members.get(op.user)!.role = 'admin';
      voidOffer(org, [target[0], op.user]);
      count(org.audit, 'ownership.transferred');
      count(org.events, 'ownership.transferred');
      return { ok: true };
    }
    case 'invite': {
      if (actor.type === 'user' && !['owner', 'admin'].includes(actor.role))
        return refuse('INSUFFICIENT_ROLE');
      if (!canInvite(actor, op.role)) return refuse('INSUFFICIENT_ROLE');
      if (org.status === 'deletion_scheduled') return refuse('ORGANIZATION_DELETION_SCHEDULED');
      if (org.members.has(op.target)) return refuse('ALREADY_MEMBER');
      if (org.invitations.has(op.target)) return refuse('INVITATION_ALREADY_PENDING');
      if (!observed.ok || !observed.newId) return { ok: true };
      const invitedBy = caller.type === 'user' ? caller.user : org.keys[caller.key]!.creator;
      org.invitations.set(op.target, { id: observed.newId, role: op.role, invitedBy });
      count(org.audit, 'invitation.created');
      return { ok: true };
    }
    case 'accept': {
      const invitation = org.invitations.get(op.user);
      if (!invitation || invitation.id !== op.invitationId) return refuse('INVITATION_NOT_FOUND');
      if (org.status === 'deletion_scheduled') return refuse('ORGANIZATION_DELETION_SCHEDULED');
      if (org.members.has(op.user)) return refuse('ALREADY_MEMBER');
      if (!observed.ok || !observed.newId) return { ok: true };
      org.invitations.delete(op.user);
      org.members.set(op.user, { id: observed.newId, role: invitation.role });
      count(org.audit, 'invitation.accepted');
      count(org.events, 'member.added');
      return { ok: true };
    }
    case 'scheduleDeletion': {
      if (actor.type !== 'user' || actor.role !== 'owner') return refuse('INSUFFICIENT_ROLE');
      if (org.status !== 'deletion_scheduled') {
        org.status = 'deletion_scheduled';
        count(org.audit, 'organization.deletion_scheduled');
        count(org.events, 'organization.deletion_scheduled');
      }
      return { ok: true };
    }
    case 'offerOwnership': {
      if (actor.type !== 'user' || actor.role !== 'owner') return refuse('INSUFFICIENT_ROLE');
      const target = byId(op.memberId);
      if (!target || target[0] === op.user) return refuse('MEMBER_NOT_FOUND');
      if (org.status === 'deletion_scheduled') return refuse('ORGANIZATION_DELETION_SCHEDULED');
      if (org.offer) return refuse('OWNERSHIP_OFFER_PENDING');
      if (!observed.ok || !observed.newId) return { ok: true };
      org.offer = { id: observed.newId, by: op.user, target: target[0], targetRole: target[1].role };
      count(org.audit, 'ownership.offered');
      count(org.events, 'ownership.offered');
      return { ok: true };
    }
    case 'acceptOwnership': {
      const offer = org.offer;
      if (!offer || offer.id !== op.offerId || offer.target !== op.user)
        return refuse('OWNERSHIP_OFFER_NOT_FOUND');
      if (org.status === 'deletion_scheduled') return refuse('ORGANIZATION_DELETION_SCHEDULED');
      const target = org.members.get(offer.target);
      const offerer = org.members.get(offer.by);
      if (target?.role !== offer.targetRole || offerer?.role !== 'owner')
        return refuse('OWNERSHIP_OFFER_NOT_FOUND');
      target.role = 'owner';
      offerer.role = 'admin';
      org.offer = null;
      count(org.audit, 'ownership.transferred');
      count(org.events, 'ownership.transferred');
      return { ok: true };
    }
    case 'restore': {
      // The grace period (30 days) never ends during this test.
      if (actor.type !== 'user' || actor.role !== 'owner') return refuse('INSUFFICIENT_ROLE');
      if (org.status === 'deletion_scheduled') {
        org.status = 'active';
        count(org.audit, 'organization.restored');
        count(org.events, 'organization.restored');
      }
      return { ok: true };
    }
  }
}

/** Answers that mean "retry": a concurrent batch may produce them, with no effect. */
export const RETRYABLE = new Set(['CONCURRENT_CHANGE']);

function* permutations<T>(items: T[]): Generator<T[]> {
  if (items.length <= 1) {
    yield items;
    return;
  }
  for (let i = 0; i < items.length; i++) {
    const rest = [...items.slice(0, i), ...items.slice(i + 1)];
    for (const p of permutations(rest)) yield [items[i]!, ...p];
  }
}

/**
 * The serial orders of a concurrent batch that explain every observed answer: the rules applied one
 * operation at a time in such an order give exactly the answers seen. Yields the model after each such
 * order, once per distinct resulting model; none is a violation (no serial execution could have answered
 * this way). Several orders may give the same answers yet different states (two accepted role changes
 * of one member), so the caller keeps the one the database agrees with.
 * Operations answered with a retryable reason are taken as having done nothing.
 */
export function* explainBatch(
  orgs: OrgModel[],
  ops: ResolvedOp[],
  observed: Outcome[],
): Generator<{ orgs: OrgModel[]; order: number[] }> {
  const indexes = ops.map((_, i) => i).filter((i) => !RETRYABLE.has(observed[i]!.reason ?? ''));
  const seen = new Set<string>();
  for (const order of permutations(indexes)) {
    const candidate = cloneOrgs(orgs);
    let explained = true;
    for (const i of order) {
      const expected = applyOp(candidate, ops[i]!, observed[i]!);
      if (expected.ok !== observed[i]!.ok || (!expected.ok && expected.reason !== observed[i]!.reason)) {
        explained = false;
        break;
      }
    }
    if (!explained) continue;
    const state = JSON.stringify(candidate, (_key, value) => (value instanceof Map ? [...value] : value));
    if (seen.has(state)) continue;
    seen.add(state);
    yield { orgs: candidate, order };
  }
}
