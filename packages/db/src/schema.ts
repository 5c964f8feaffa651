import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/** Roles, in no particular order: permissions are allowlists per procedure, never rank comparisons. */
export const ROLES = ['owner', 'admin', 'member', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export const MEMBERSHIP_STATUSES = ['active', 'removed'] as const;
export type MembershipStatus = (typeof MEMBERSHIP_STATUSES)[number];

/** `organization_deleted`: the purge ended it after the organization's deletion grace period. */
export const REMOVAL_REASONS = ['left', 'removed', 'organization_deleted'] as const;
export type RemovalReason = (typeof REMOVAL_REASONS)[number];

/** `deletion_scheduled`: in its grace period (restorable); `deleted`: purged, kept for the audit trail. */
export const ORGANIZATION_STATUSES = ['active', 'deletion_scheduled', 'deleted'] as const;
export type OrganizationStatus = (typeof ORGANIZATION_STATUSES)[number];

export const INVITATION_STATUSES = ['pending', 'accepted', 'revoked'] as const;
export type InvitationStatus = (typeof INVITATION_STATUSES)[number];

export const MAIL_LOCALES = ['en', 'de'] as const;
export type MailLocale = (typeof MAIL_LOCALES)[number];

/** `skipped`: nothing to send any more when its turn came (e.g. the invitation was revoked meanwhile). */
export const MAIL_STATUSES = ['pending', 'sent', 'dead', 'skipped'] as const;
export type MailStatus = (typeof MAIL_STATUSES)[number];

export const EMAIL_TOKEN_PURPOSES = ['verify_email', 'invitation', 'password_reset'] as const;
export type EmailTokenPurpose = (typeof EMAIL_TOKEN_PURPOSES)[number];

export const OUTBOX_STATUSES = ['pending', 'delivered', 'dead'] as const;
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Json = ColumnType<
  Record<string, unknown>,
  string | Record<string, unknown>,
  string | Record<string, unknown>
>;

export interface UsersTable {
  id: Generated<string>;
  /** Stored lower-cased and trimmed (a check constraint enforces it). */
  email: string;
  name: string;
  /** `scrypt$N$r$p$salt$hash`; null for users created by an external identity provider. */
  password_hash: string | null;
  created_at: CreatedAt;
  /** When the holder proved the address by following a mailed link; null while unproven. */
  email_verified_at: NullableTimestamp;
  /** The language of the user's mails. */
  locale: Generated<MailLocale>;
}

export interface SessionsTable {
  id: Generated<string>;
  user_id: string;
  /** SHA-256 of the opaque token; the token itself is never stored. */
  token_hash: string;
  active_organization_id: string | null;
  created_at: CreatedAt;
  expires_at: Timestamp;
  revoked_at: NullableTimestamp;
}

export interface OrganizationsTable {
  id: Generated<string>;
  name: string;
  slug: string;
  status: Generated<OrganizationStatus>;
  deletion_scheduled_at: NullableTimestamp;
  /** The end of the grace period: the purge deletes the organization after it. */
  deletion_due_at: NullableTimestamp;
  deleted_at: NullableTimestamp;
  created_at: CreatedAt;
}

export interface MembershipsTable {
  id: Generated<string>;
  organization_id: string;
  user_id: string;
  role: Role;
  status: Generated<MembershipStatus>;
  created_at: CreatedAt;
  removed_at: NullableTimestamp;
  removed_by: string | null;
  removal_reason: RemovalReason | null;
}

export interface InvitationsTable {
  id: Generated<string>;
  organization_id: string;
  email: string;
  role: Role;
  status: Generated<InvitationStatus>;
  /** The person who invited; null when an organization's own API key did (`invited_by_api_key_id`). */
  invited_by: string | null;
  /** The API key that sent the invitation, when a key did (null for invitations sent by people). */
  invited_by_api_key_id: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: CreatedAt;
  expires_at: Timestamp;
  accepted_at: NullableTimestamp;
  accepted_by: string | null;
  revoked_at: NullableTimestamp;
  revoked_by: string | null;
  /** When its link was last queued for mailing (invitations.resend is rate-limited on it). */
  last_mailed_at: NullableTimestamp;
}

export interface ApiKeysTable {
  id: Generated<string>;
  organization_id: string;
  /** The person who created the key; unless the key is the organization's own, it acts for them. */
  created_by: string;
  /**
   * When the key became the organization's own (kept through its creator's removal): it then acts for
   * nobody, with an admin's reach. Null: it acts for its creator, never beyond their role of now.
   */
  organization_owned_at: NullableTimestamp;
  name: string;
  /** The public, non-secret start of the key (`rst_abcd1234`), to recognise it in lists. */
  prefix: string;
  /** SHA-256 of the whole key. */
  secret_hash: string;
  scopes: string[];
  created_at: CreatedAt;
  last_used_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
  revoked_reason: string | null;
  /** When the key stops working (API_KEY_EXPIRED); null: never. */
  expires_at: NullableTimestamp;
}

export interface AuditLogTable {
  id: Generated<string>;
  organization_id: string;
  action: string;
  actor_user_id: string | null;
  actor_api_key_id: string | null;
  target_user_id: string | null;
  target_membership_id: string | null;
  metadata: Json;
  created_at: CreatedAt;
}

/**
 * The outbox: what happened, written in the transaction of the change. Append-only; each consumer keeps
 * its own delivery state (webhooks: `webhook_fanout_at` here and `webhook_deliveries`).
 */
export interface OutboxEventsTable {
  id: Generated<string>;
  organization_id: string;
  type: string;
  payload: Json;
  created_at: CreatedAt;
  /** When the webhook consumer wrote this event's deliveries; null until then. */
  webhook_fanout_at: NullableTimestamp;
}

export interface WebhooksTable {
  id: Generated<string>;
  organization_id: string;
  url: string;
  description: string | null;
  /** Legacy plain signing secret; the server encrypts it into `secret_ciphertext` at start and clears it. */
  secret: string | null;
  /** The signing secret (`whsec_...`), AES-256-GCM under WEBHOOK_SECRETS_KEY: shown once, never listed. */
  secret_ciphertext: string | null;
  /** The event types this endpoint receives; null: every type. */
  event_types: string[] | null;
  /** Failed attempts in a row (circuit breaker); 0 after a success. */
  consecutive_failures: Generated<number>;
  /** While in the future, the circuit is open: nothing is sent to this endpoint. */
  paused_until: NullableTimestamp;
  created_by: string | null;
  created_at: CreatedAt;
}

/** One row per (outbox event, webhook): that receiver's delivery, with its own schedule. */
export interface WebhookDeliveriesTable {
  id: Generated<string>;
  event_id: string;
  webhook_id: string;
  status: Generated<OutboxStatus>;
  attempts: Generated<number>;
  /** Due from then (also the lease while an attempt is in flight). */
  next_attempt_at: ColumnType<Date, Date | string | undefined, Date | string>;
  last_attempt_at: NullableTimestamp;
  /** Set by a redelivery (one more attempt); null: the dispatcher's retry schedule decides. */
  max_attempts: number | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: CreatedAt;
  delivered_at: NullableTimestamp;
}

/**
 * A mail to send after commit. It names what to send (`kind` + ids in `params`), never a rendered body:
 * a link's token is minted by the mailer at delivery, so no token rests in the database in plaintext.
 */
export interface MailOutboxTable {
  id: Generated<string>;
  kind: string;
  recipient: string;
  locale: MailLocale;
  params: Json;
  status: Generated<MailStatus>;
  attempts: Generated<number>;
  next_attempt_at: ColumnType<Date, Date | string | undefined, Date | string>;
  last_error: string | null;
  created_at: CreatedAt;
  sent_at: NullableTimestamp;
}

/** A single-use token of a mailed link; only its SHA-256 hash is stored. */
export interface EmailTokensTable {
  id: Generated<string>;
  purpose: EmailTokenPurpose;
  token_hash: string;
  /** The address the link was mailed to: following it proves this address. */
  email: string;
  user_id: string | null;
  invitation_id: string | null;
  mail_id: string | null;
  created_at: CreatedAt;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
}

export const OWNERSHIP_OFFER_STATUSES = [
  'pending',
  'accepted',
  'declined',
  'cancelled',
  'voided',
  'expired',
] as const;
export type OwnershipOfferStatus = (typeof OWNERSHIP_OFFER_STATUSES)[number];

/** A pending two-step ownership transfer (one per organization), and how it ended. */
export interface OwnershipOffersTable {
  id: Generated<string>;
  organization_id: string;
  offered_by_membership_id: string;
  target_membership_id: string;
  /** The target's role when offered: accepting re-checks it is unchanged. */
  target_role: Role;
  status: Generated<OwnershipOfferStatus>;
  created_at: CreatedAt;
  expires_at: Timestamp;
  resolved_at: NullableTimestamp;
  resolved_by: string | null;
}

export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  organizations: OrganizationsTable;
  memberships: MembershipsTable;
  invitations: InvitationsTable;
  api_keys: ApiKeysTable;
  audit_log: AuditLogTable;
  outbox_events: OutboxEventsTable;
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
  ownership_offers: OwnershipOffersTable;
  mail_outbox: MailOutboxTable;
  email_tokens: EmailTokensTable;
}

export type User = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type Session = Selectable<SessionsTable>;
export type Organization = Selectable<OrganizationsTable>;
export type NewOrganization = Insertable<OrganizationsTable>;
export type OrganizationUpdate = Updateable<OrganizationsTable>;
export type Membership = Selectable<MembershipsTable>;
export type NewMembership = Insertable<MembershipsTable>;
export type MembershipUpdate = Updateable<MembershipsTable>;
export type Invitation = Selectable<InvitationsTable>;
export type NewInvitation = Insertable<InvitationsTable>;
export type ApiKey = Selectable<ApiKeysTable>;
export type NewApiKey = Insertable<ApiKeysTable>;
export type AuditLogEntry = Selectable<AuditLogTable>;
export type NewAuditLogEntry = Insertable<AuditLogTable>;
export type OutboxEvent = Selectable<OutboxEventsTable>;
export type NewOutboxEvent = Insertable<OutboxEventsTable>;
export type Webhook = Selectable<WebhooksTable>;
export type WebhookDelivery = Selectable<WebhookDeliveriesTable>;
export type MailOutboxRow = Selectable<MailOutboxTable>;
export type EmailToken = Selectable<EmailTokensTable>;
