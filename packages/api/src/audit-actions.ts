/**
 * Every action Roster writes to the audit log, grouped by area. `insertAuditEntry` and
 * `insertAuditEntryAndEvent` take only these, so a new action is added here first; the web app's audit
 * log screen checks (at compile time) that it has a sentence for each one it can show.
 */
export const AUDIT_ACTIONS = [
  'member.removed',
  'member.left',
  'member.role_changed',
  'ownership.offered',
  'ownership.declined',
  'ownership.offer_cancelled',
  'ownership.transferred',
  'invitation.created',
  'invitation.resent',
  'invitation.revoked',
  'invitation.accepted',
  'api_key.created',
  'api_key.revoked',
  'organization.created',
  'organization.updated',
  'organization.deletion_scheduled',
  'organization.restored',
  'organization.deleted',
  'webhook.created',
  'webhook.secret_rotated',
  'webhook.redelivered',
  'webhook.deleted',
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];
