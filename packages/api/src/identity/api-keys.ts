import type { Database } from '@roster/db';
import { type Kysely, sql } from 'kysely';
import { API_KEY_SCOPES, type ApiKeyScope } from '../context';
import { sha256Hex } from './tokens';

/**
 * The live (not revoked) key with this secret, or undefined; `expired` says whether it is past its
 * `expires_at` by the database's clock (one clock for every replica).
 */
export async function findLiveApiKey(db: Kysely<Database>, key: string) {
  return db
    .selectFrom('api_keys')
    .select(['id', 'organization_id', 'created_by', 'organization_owned_at', 'scopes', 'last_used_at'])
    .select(sql<boolean>`coalesce(expires_at <= now(), false)`.as('expired'))
    .where('secret_hash', '=', sha256Hex(key))
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
}

/** Scopes as stored, narrowed to the ones this version knows (an unknown scope grants nothing). */
export function knownScopes(scopes: readonly string[]): ApiKeyScope[] {
  return scopes.filter((scope): scope is ApiKeyScope =>
    (API_KEY_SCOPES as readonly string[]).includes(scope),
  );
}

const LAST_USED_RESOLUTION_MS = 60_000;
/** Per process: when each key's last_used_at was last written, so a busy key costs one write a minute. */
const lastUsedWrites = new Map<string, number>();

/**
 * Records that a key was used, at most once a minute per key: an in-memory throttle per process, and
 * the `where` clause below across replicas. Fire-and-forget: a failed write never fails the request.
 */
export function touchApiKeyLastUsed(
  db: Kysely<Database>,
  apiKeyId: string,
  lastUsedAt: Date | null,
  onError?: (error: unknown) => void,
): void {
  const now = Date.now();
  if (lastUsedAt && now - lastUsedAt.getTime() < LAST_USED_RESOLUTION_MS) return;
  const lastWrite = lastUsedWrites.get(apiKeyId);
  if (lastWrite !== undefined && now - lastWrite < LAST_USED_RESOLUTION_MS) return;
  lastUsedWrites.set(apiKeyId, now);
  if (lastUsedWrites.size > 10_000) {
    for (const [id, at] of lastUsedWrites) if (now - at >= LAST_USED_RESOLUTION_MS) lastUsedWrites.delete(id);
  }
  db.updateTable('api_keys')
    .set({ last_used_at: sql<Date>`now()` })
    .where('id', '=', apiKeyId)
    .where((eb) =>
      eb.or([
        eb('last_used_at', 'is', null),
        eb('last_used_at', '<', sql<Date>`now() - interval '1 minute'`),
      ]),
    )
    .execute()
    .catch((error: unknown) => onError?.(error));
}
