import type { Migration } from 'kysely/migration';
import * as initial from './2026-11-24T0000-initial';
import * as webhooks from './2026-11-24T0900-webhooks';
import * as mailAndEmailProof from './2026-11-30T0100-mail-and-email-proof';
import * as apiKeyPower from './2026-11-30T0200-api-key-power';
import * as organizationDeletion from './2026-11-30T0400-1-organization-deletion';
import * as ownershipOffers from './2026-11-30T0400-2-ownership-offers';
import * as redactWebhookAuditUrls from './2026-11-30T0500-redact-webhook-audit-urls';
import * as webhookConsumer from './2026-11-30T0500-webhook-consumer';
import * as memberSearch from './2026-11-30T0600-1-member-search';
import * as apiKeyExpiry from './2026-11-30T0600-2-api-key-expiry';
import * as auditFilters from './2026-11-30T0600-3-audit-filters';
import * as membershipChangeLock from './2026-11-30T0700-membership-change-lock';

/**
 * Every migration, by name. Names are date-prefixed so they sort in the order they apply.
 * Listed statically (not read from disk) so the server bundles and runs them anywhere.
 */
export const migrations: Record<string, Migration> = {
  '2026-11-24T0000-initial': initial,
  '2026-11-24T0900-webhooks': webhooks,
  '2026-11-30T0100-mail-and-email-proof': mailAndEmailProof,
  '2026-11-30T0200-api-key-power': apiKeyPower,
  '2026-11-30T0400-1-organization-deletion': organizationDeletion,
  '2026-11-30T0400-2-ownership-offers': ownershipOffers,
  '2026-11-30T0500-redact-webhook-audit-urls': redactWebhookAuditUrls,
  '2026-11-30T0500-webhook-consumer': webhookConsumer,
  '2026-11-30T0600-1-member-search': memberSearch,
  '2026-11-30T0600-2-api-key-expiry': apiKeyExpiry,
  '2026-11-30T0600-3-audit-filters': auditFilters,
  '2026-11-30T0700-membership-change-lock': membershipChangeLock,
};
