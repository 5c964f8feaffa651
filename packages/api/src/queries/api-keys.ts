import { sql } from 'kysely';
import type { ApiKeyScope } from '../context';
import type { Db } from './db';

/** Stores a new key of the organization: its SHA-256 and its non-secret prefix, never the key itself. */
export async function insertApiKey(
  trx: Db,
  values: {
    organizationId: string;
    createdBy: string;
    name: string;
    prefix: string;
    secretHash: string;
    scopes: ApiKeyScope[];
    expiresAt?: string | null;
  },
) {
  return trx
    .insertInto('api_keys')
    .values({
      organization_id: values.organizationId,
      created_by: values.createdBy,
      name: values.name,
      prefix: values.prefix,
      secret_hash: values.secretHash,
      scopes: values.scopes,
      expires_at: values.expiresAt ?? null,
    })
    .returning(['id', 'name', 'prefix', 'scopes', 'created_at', 'expires_at'])
    .executeTakeFirstOrThrow();
}

/** Revokes one live key of this organization by hand; undefined when there is none (another org's, unknown, revoked). */
export async function revokeOrganizationApiKey(trx: Db, organizationId: string, apiKeyId: string) {
  return trx
    .updateTable('api_keys')
    .set({ revoked_at: sql<Date>`now()`, revoked_reason: 'revoked' })
    .where('id', '=', apiKeyId)
    .where('organization_id', '=', organizationId)
    .where('revoked_at', 'is', null)
    .returning(['id', 'name', 'prefix', 'revoked_at'])
    .executeTakeFirst();
}

/** The organization's keys with their creators, newest first, without secrets; live ones only unless asked. */
export async function listOrganizationApiKeys(
  db: Db,
  params: { organizationId: string; includeRevoked: boolean },
) {
  let query = db
    .selectFrom('api_keys as k')
    .innerJoin('users as u', 'u.id', 'k.created_by')
    .select([
      'k.id',
      'k.name',
      'k.prefix',
      'k.scopes',
      'k.created_at',
      'k.last_used_at',
      'k.revoked_at',
      'k.revoked_reason',
      'k.expires_at',
      'k.organization_owned_at',
      sql<boolean>`coalesce(k.expires_at <= now(), false)`.as('expired'),
      'u.id as creator_id',
      'u.name as creator_name',
      'u.email as creator_email',
    ])
    .where('k.organization_id', '=', params.organizationId);
  if (!params.includeRevoked) query = query.where('k.revoked_at', 'is', null);
  return query.orderBy('k.created_at', 'desc').orderBy('k.id', 'desc').execute();
}
