import type { Role } from '@roster/db';

/**
 * Every event Roster writes to its outbox, by type. The outbox (`outbox_events`) is an append-only log of
 * these; each consumer keeps its own delivery state beside it (webhooks: `webhook_deliveries`, one row per
 * event and endpoint), so a new consumer (mail, purge, an identity-provider sync) reads the same events
 * without touching another consumer's progress.
 */
export interface EventActor {
  userId: string | null;
  apiKeyId: string | null;
}

export interface RosterEventPayloads {
  /** Someone joined (accepted an invitation) or created the organization (its first owner). */
  'member.added': {
    organizationId: string;
    membershipId: string;
    userId: string;
    role: Role;
    invitationId: string | null;
  };
  /** A membership ended: the member left (`reason: 'left'`) or was removed (`'removed'`). */
  'member.removed': {
    organizationId: string;
    membershipId: string;
    userId: string;
    role: Role;
    reason: 'left' | 'removed';
    actor: EventActor;
    revoked: { apiKeys: number; invitations: number };
  };
  'member.role_changed': {
    organizationId: string;
    membershipId: string;
    userId: string;
    role: Role;
    previousRole: Role;
    actor: EventActor;
  };
  /** The target became owner; the previous owner is an admin now (`offerId`: by accepting that offer). */
  'ownership.transferred': {
    organizationId: string;
    offerId?: string;
    membershipId: string;
    userId: string;
    role: 'owner';
    previousRole: Role;
    previousOwner: { membershipId: string; userId: string; role: 'admin' };
    actor: EventActor;
  };
  /** An owner offered ownership to a member (membership = the target, with their role now). */
  'ownership.offered': {
    organizationId: string;
    offerId: string;
    membershipId: string;
    userId: string;
    role: Role;
    offeredBy: { membershipId: string; userId: string };
    expiresAt: string;
    actor: EventActor;
  };
  /** The target declined the offer. */
  'ownership.declined': {
    organizationId: string;
    offerId: string;
    membershipId: string;
    userId: string;
    role: Role;
    actor: EventActor;
  };
  /** An owner withdrew the offer (membership = the target). */
  'ownership.offer_cancelled': {
    organizationId: string;
    offerId: string;
    membershipId: string;
    actor: EventActor;
  };
  /** An owner scheduled the organization's deletion; it is purged after `deletionDueAt`. */
  'organization.deletion_scheduled': {
    organizationId: string;
    deletionDueAt: string | null;
    ownerUserIds: string[];
    actor: EventActor;
  };
  /** An owner cancelled the scheduled deletion. */
  'organization.restored': {
    organizationId: string;
    actor: EventActor;
  };
  /** The organization is gone: purged after its deletion grace period (no actor), with what ended. */
  'organization.deleted': {
    organizationId: string;
    slug: string;
    deletionScheduledAt: string;
    memberships: number;
    apiKeys: number;
    invitations: number;
    sessionsCleared: number;
    actor: EventActor;
  };
}

export type RosterEventType = keyof RosterEventPayloads;

/** The event types, in the order the docs list them; webhooks may subscribe to any subset. */
export const ROSTER_EVENT_TYPES = [
  'member.added',
  'member.removed',
  'member.role_changed',
  'ownership.transferred',
  'ownership.offered',
  'ownership.declined',
  'ownership.offer_cancelled',
  'organization.deletion_scheduled',
  'organization.restored',
  'organization.deleted',
] as const satisfies readonly RosterEventType[];

// Every type of the union is in the list (and the list holds nothing else).
type Missing = Exclude<RosterEventType, (typeof ROSTER_EVENT_TYPES)[number]>;
const _exhaustive: Missing extends never ? true : never = true;
void _exhaustive;

/** One event as it is written: a type of the union with its payload. */
export type RosterEvent = {
  [T in RosterEventType]: { type: T; payload: RosterEventPayloads[T] };
}[RosterEventType];
