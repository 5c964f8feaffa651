import type { EmailTokenPurpose } from '@roster/db';
import { sql } from 'kysely';
import { generateSessionToken, sha256Hex } from '../identity/tokens';
import type { Db } from './db';

/**
 * Mints a single-use token for a mailed link and stores only its SHA-256 hash. The tokens an earlier
 * attempt of the same mail minted die with it (a retry sends a fresh link; the previous one is dead).
 */
export async function mintEmailToken(
  trx: Db,
  values: {
    purpose: EmailTokenPurpose;
    email: string;
    userId?: string | undefined;
    invitationId?: string | undefined;
    mailId: string;
    expiresAt: Date;
  },
): Promise<string> {
  await trx
    .updateTable('email_tokens')
    .set({ revoked_at: sql<Date>`now()` })
    .where('mail_id', '=', values.mailId)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .execute();
  const token = generateSessionToken();
  await trx
    .insertInto('email_tokens')
    .values({
      purpose: values.purpose,
      token_hash: sha256Hex(token),
      email: values.email,
      user_id: values.userId ?? null,
      invitation_id: values.invitationId ?? null,
      mail_id: values.mailId,
      expires_at: values.expiresAt,
    })
    .execute();
  return token;
}

/** The token row for a presented token (any state), locked for the caller's transaction. */
export async function lockEmailToken(trx: Db, token: string, purpose: EmailTokenPurpose) {
  return trx
    .selectFrom('email_tokens')
    .selectAll()
    .where('token_hash', '=', sha256Hex(token))
    .where('purpose', '=', purpose)
    .forUpdate()
    .executeTakeFirst();
}

/** Looks a token up without locking (to show what a link is for before acting on it). */
export async function findEmailToken(db: Db, token: string, purpose: EmailTokenPurpose) {
  return db
    .selectFrom('email_tokens')
    .selectAll()
    .where('token_hash', '=', sha256Hex(token))
    .where('purpose', '=', purpose)
    .executeTakeFirst();
}

export async function markEmailTokenUsed(trx: Db, tokenId: string) {
  await trx
    .updateTable('email_tokens')
    .set({ used_at: sql<Date>`now()` })
    .where('id', '=', tokenId)
    .execute();
}

/** Kills the live tokens of an invitation (resend, revoke, accept). */
export async function revokeInvitationTokens(trx: Db, invitationId: string) {
  const result = await trx
    .updateTable('email_tokens')
    .set({ revoked_at: sql<Date>`now()` })
    .where('invitation_id', '=', invitationId)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Kills a user's live tokens of one purpose (a reset used ends the other reset links, and so on). */
export async function revokeUserTokens(trx: Db, userId: string, purpose: EmailTokenPurpose) {
  await trx
    .updateTable('email_tokens')
    .set({ revoked_at: sql<Date>`now()` })
    .where('user_id', '=', userId)
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .execute();
}

/** Is the token row usable now? Used, revoked and unknown tokens are all "invalid"; expiry is its own answer. */
export function emailTokenState(
  row: { used_at: Date | null; revoked_at: Date | null; expires_at: Date } | undefined,
  now = new Date(),
): 'valid' | 'invalid' | 'expired' {
  if (!row || row.used_at || row.revoked_at) return 'invalid';
  return new Date(row.expires_at).getTime() <= now.getTime() ? 'expired' : 'valid';
}
