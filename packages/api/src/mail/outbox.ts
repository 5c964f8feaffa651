import type { Database, MailLocale, MailOutboxRow } from '@roster/db';
import { type Kysely, sql } from 'kysely';
import type { Db } from '../queries/db';
import { mintEmailToken } from '../queries/email-tokens';
import type { MailKindDefinition } from './define';
import { MAIL_KINDS, type MailKind, type MailParams } from './kinds';
import { type RenderedMail, renderMailContent } from './layout';

export interface MailRequest<K extends MailKind> {
  kind: K;
  /** The recipient's address. */
  to: string;
  /** The recipient's language (or, for an invitation, the inviter's). */
  locale: MailLocale;
  params: MailParams<K>;
}

/**
 * Queues a mail; call it inside the transaction of the change that causes it, so a rolled-back change
 * sends nothing and a committed one is sent (with retries) by the server's mailer. The row names what to
 * send; nothing secret is stored (links with tokens are minted at delivery).
 */
export async function enqueueMail<K extends MailKind>(trx: Db, mail: MailRequest<K>): Promise<string> {
  const row = await trx
    .insertInto('mail_outbox')
    .values({
      kind: mail.kind,
      recipient: mail.to,
      locale: mail.locale,
      params: mail.params as Record<string, unknown>,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Skips the pending mails of one kind naming one id (e.g. an invitation's older link when it is resent). */
export async function skipPendingMails(trx: Db, kind: MailKind, param: string, value: string) {
  await trx
    .updateTable('mail_outbox')
    .set({ status: 'skipped', last_error: 'superseded' })
    .where('kind', '=', kind)
    .where('status', '=', 'pending')
    .where(sql`params->>${param}`, '=', value)
    .execute();
}

export type ClaimedMail = Pick<
  MailOutboxRow,
  'id' | 'kind' | 'recipient' | 'locale' | 'params' | 'attempts' | 'created_at'
>;

/**
 * Claims up to `limit` due mails in one short transaction: `FOR UPDATE SKIP LOCKED` so several servers can
 * run mailers at once without taking the same mail, and a lease (`next_attempt_at` pushed by `leaseMs`) so
 * a mailer that dies mid-send leaves the mail to be retried after the lease.
 */
export async function claimDueMails(
  db: Kysely<Database>,
  options: { limit: number; leaseMs: number },
): Promise<ClaimedMail[]> {
  return db.transaction().execute(async (trx) => {
    const due = await trx
      .selectFrom('mail_outbox')
      .select('id')
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', sql<Date>`now()`)
      .orderBy('next_attempt_at')
      .limit(options.limit)
      .forUpdate()
      .skipLocked()
      .execute();
    if (due.length === 0) return [];
    return trx
      .updateTable('mail_outbox')
      .set((eb) => ({
        attempts: eb('attempts', '+', 1),
        next_attempt_at: sql<Date>`now() + make_interval(secs => ${options.leaseMs / 1000})`,
      }))
      .where(
        'id',
        'in',
        due.map((m) => m.id),
      )
      .returning(['id', 'kind', 'recipient', 'locale', 'params', 'attempts', 'created_at'])
      .execute();
  });
}

export interface PreparedMail extends RenderedMail {
  to: string;
}

/**
 * Reads what a claimed mail needs and renders it; for a kind with a link, mints the single-use token now
 * (only its hash is stored; an earlier attempt's token dies). Null: nothing to send any more (skip it),
 * or the mail was taken over by another mailer meanwhile.
 */
export async function prepareMail(
  db: Kysely<Database>,
  mail: ClaimedMail,
  options: { appUrl: string },
): Promise<PreparedMail | null> {
  const definition = MAIL_KINDS[mail.kind as MailKind] as MailKindDefinition<
    Record<string, unknown>,
    unknown
  >;
  if (!definition) throw new Error(`unknown mail kind ${mail.kind}`);
  const appUrl = options.appUrl.replace(/\/+$/, '');
  return db.transaction().execute(async (trx) => {
    // Still ours (not settled or re-claimed meanwhile, not superseded by a resend)? Lock it for the mint.
    const current = await trx
      .selectFrom('mail_outbox')
      .select(['status', 'attempts'])
      .where('id', '=', mail.id)
      .forUpdate()
      .executeTakeFirst();
    if (current?.status !== 'pending' || current.attempts !== mail.attempts) return null;
    const data = await definition.load(trx, mail.params);
    if (data === null) return null;
    let link: string | null = null;
    if (definition.tokenLink) {
      const spec = definition.tokenLink(data);
      const token = await mintEmailToken(trx, {
        purpose: spec.purpose,
        email: spec.email,
        userId: spec.userId,
        invitationId: spec.invitationId,
        mailId: mail.id,
        expiresAt: spec.expiresAt,
      });
      link = `${appUrl}${spec.path}${token}`;
    }
    const render = definition.render[mail.locale] ?? definition.render.en;
    return { to: mail.recipient, ...renderMailContent(render({ data, appUrl, link })) };
  });
}

/**
 * Settles a mail after an attempt: `sent`, `skipped` (nothing to send), or on failure dead after
 * `maxAttempts`, else due again after `retryInMs`. `claimedAttempts` guards against a late writer whose
 * lease ran out and whose mail was claimed again.
 */
export async function settleMail(
  db: Db,
  mail: { id: string; claimedAttempts: number },
  outcome:
    | { sent: true }
    | { skipped: true }
    | { sent: false; error: string; maxAttempts: number; retryInMs: number },
): Promise<'sent' | 'skipped' | 'pending' | 'dead' | 'superseded'> {
  const base = db
    .updateTable('mail_outbox')
    .where('id', '=', mail.id)
    .where('status', '=', 'pending')
    .where('attempts', '=', mail.claimedAttempts);
  let status: 'sent' | 'skipped' | 'pending' | 'dead';
  let query: typeof base;
  if ('skipped' in outcome) {
    status = 'skipped';
    query = base.set({ status: 'skipped' });
  } else if (outcome.sent) {
    status = 'sent';
    query = base.set({ status: 'sent', sent_at: sql<Date>`now()`, last_error: null });
  } else if (mail.claimedAttempts >= outcome.maxAttempts) {
    status = 'dead';
    query = base.set({ status: 'dead', last_error: outcome.error.slice(0, 2000) });
  } else {
    status = 'pending';
    query = base.set({
      last_error: outcome.error.slice(0, 2000),
      next_attempt_at: sql<Date>`now() + make_interval(secs => ${outcome.retryInMs / 1000})`,
    });
  }
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows) === 1 ? status : 'superseded';
}
