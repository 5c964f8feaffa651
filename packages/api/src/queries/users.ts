import { sql } from 'kysely';
import type { MailKind } from '../mail/kinds';
import type { Db } from './db';

export async function findUserById(db: Db, userId: string) {
  return db
    .selectFrom('users')
    .select(['id', 'email', 'name', 'email_verified_at', 'locale'])
    .where('id', '=', userId)
    .executeTakeFirst();
}

export async function findUserByEmail(db: Db, email: string) {
  return db
    .selectFrom('users')
    .select(['id', 'email', 'name', 'email_verified_at', 'locale'])
    .where('email', '=', email)
    .executeTakeFirst();
}

/** Locks the user row (a verification or reset re-reads the address under it). */
export async function lockUser(trx: Db, userId: string) {
  return trx
    .selectFrom('users')
    .select(['id', 'email', 'email_verified_at'])
    .where('id', '=', userId)
    .forUpdate()
    .executeTakeFirst();
}

/** The address counts as proven from now on (kept as it was when already proven). */
export async function markEmailVerified(trx: Db, userId: string) {
  await trx
    .updateTable('users')
    .set({ email_verified_at: sql<Date>`coalesce(email_verified_at, now())` })
    .where('id', '=', userId)
    .execute();
}

export async function setPasswordHash(trx: Db, userId: string, passwordHash: string) {
  await trx.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', userId).execute();
}

/** Revokes every live session of the user except `keepSessionId`; answers how many. */
export async function revokeSessionsOfUser(trx: Db, userId: string, keepSessionId: string | null) {
  let query = trx
    .updateTable('sessions')
    .set({ revoked_at: sql<Date>`now()` })
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null);
  if (keepSessionId) query = query.where('id', '<>', keepSessionId);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Was a mail of this kind, naming this id, queued within the last `seconds`? (Throttles mail per address.) */
export async function mailQueuedRecently(
  db: Db,
  kind: MailKind,
  param: string,
  value: string,
  seconds: number,
): Promise<boolean> {
  const row = await db
    .selectFrom('mail_outbox')
    .select('id')
    .where('kind', '=', kind)
    .where(sql`params->>${param}`, '=', value)
    .where('created_at', '>', sql<Date>`now() - make_interval(secs => ${seconds})`)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}
