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
  /** The target became owner; the previous owner is an admin now. */
  'ownership.transferred': {
    organizationId: string;
    membershipId: string;
    userId: string;
    role: 'owner';
    previousRole: Role;
    previousOwner: { membershipId: string; userId: string; role: 'admin' };
    actor: EventActor;
  };
  /** The organization is gone (after its deletion grace period, when purged). */
  'organization.deleted': {
    organizationId: string;
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
