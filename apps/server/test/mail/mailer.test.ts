import { enqueueMail, sha256Hex } from '@roster/api';
import type { Database } from '@roster/db';
import { createTestDatabase, type TestDatabase } from '@roster/db/testing';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config';
import { createMailer, createSmtpTransport, type Mailer } from '../../src/mailer';
import { startServer } from '../../src/start';
import { DB_KIND } from '../identity/helpers';
import { freePort, startSmtpServer, type TestSmtpServer, tokenOf } from './smtp';

let t: TestDatabase;
let db: Kysely<Database>;
let smtp: TestSmtpServer;
const APP_URL = 'http://roster.test';

beforeAll(async () => {
  t = await createTestDatabase();
  db = t.db;
  smtp = await startSmtpServer();
});
afterAll(async () => {
  await smtp?.close();
  await t?.destroy();
});
beforeEach(() => {
  smtp.inbox.length = 0;
  smtp.refuse = null;
});

let userCount = 0;
async function newUser(locale: 'en' | 'de' = 'en') {
  userCount++;
  return db
    .insertInto('users')
    .values({ email: `mail-user-${userCount}@example.com`, name: `Mail User ${userCount}`, locale })
    .returning(['id', 'email', 'name'])
    .executeTakeFirstOrThrow();
}

function smtpMailer(url = smtp.url, options: Partial<Parameters<typeof createMailer>[1]> = {}): Mailer {
  return createMailer(db, {
    appUrl: APP_URL,
    from: 'Roster <roster@test.example>',
    transport: createSmtpTransport(url),
    retryBaseMs: 0,
    ...options,
  });
}

async function mailRow(id: string) {
  return db.selectFrom('mail_outbox').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

describe(`mailer over SMTP (${DB_KIND})`, () => {
  it('sends a queued verification mail once, plain text and HTML, with a link whose token only has its hash stored', async () => {
    const user = await newUser();
    const mailId = await db.transaction().execute((trx) =>
      enqueueMail(trx, {
        kind: 'auth.verify_email',
        to: user.email,
        locale: 'en',
        params: { userId: user.id },
      }),
    );
    const mailer = smtpMailer();
    expect(await mailer.runOnce()).toMatchObject({ claimed: 1, sent: 1 });
    expect(await mailer.runOnce()).toMatchObject({ claimed: 0 });

    expect(smtp.inbox).toHaveLength(1);
    const [mail] = smtp.inbox;
    expect(mail?.to).toBe(user.email);
    expect(mail?.from).toContain('roster@test.example');
    expect(mail?.subject).toBe('Confirm your email address for Roster');
    expect(mail?.text).toContain(`Hello ${user.name},`);
    const token = tokenOf(mail?.links[0], `${APP_URL}/verify-email/`);
    expect(mail?.html).toContain(`href="${APP_URL}/verify-email/${token}"`);

    expect(await mailRow(mailId)).toMatchObject({ status: 'sent', attempts: 1, last_error: null });
    const tokens = await db.selectFrom('email_tokens').selectAll().where('mail_id', '=', mailId).execute();
    expect(tokens).toHaveLength(1);
    expect(tokens[0]).toMatchObject({
      purpose: 'verify_email',
      user_id: user.id,
      email: user.email,
      token_hash: sha256Hex(token),
      used_at: null,
      revoked_at: null,
    });
    // The token itself rests nowhere in the database.
    const everything = JSON.stringify([
      await db.selectFrom('mail_outbox').selectAll().execute(),
      await db.selectFrom('email_tokens').selectAll().execute(),
    ]);
    expect(everything).not.toContain(token);
  });

  it('renders German for a German recipient', async () => {
    const user = await newUser('de');
    await enqueueMail(db, {
      kind: 'auth.password_reset',
      to: user.email,
      locale: 'de',
      params: { userId: user.id },
    });
    await smtpMailer().runOnce();
    expect(smtp.inbox.map((m) => m.subject)).toEqual(['Ihr Roster-Passwort zurücksetzen']);
    expect(smtp.inbox[0]?.text).toContain('Neues Passwort wählen');
  });

  it('a rolled-back change queues no mail', async () => {
    const user = await newUser();
    const before = await db
      .selectFrom('mail_outbox')
      .select(db.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    await expect(
      db.transaction().execute(async (trx) => {
        await enqueueMail(trx, {
          kind: 'auth.verify_email',
          to: user.email,
          locale: 'en',
          params: { userId: user.id },
        });
        throw new Error('the change fails after queueing its mail');
      }),
    ).rejects.toThrow('the change fails');
    const after = await db
      .selectFrom('mail_outbox')
      .select(db.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
    expect(await smtpMailer().runOnce()).toMatchObject({ claimed: 0 });
    expect(smtp.inbox).toHaveLength(0);
  });

  it('SMTP down, then up: the mail arrives exactly once, with a fresh link (the first attempt’s token is dead)', async () => {
    const user = await newUser();
    const mailId = await enqueueMail(db, {
      kind: 'auth.verify_email',
      to: user.email,
      locale: 'en',
      params: { userId: user.id },
    });
    const port = await freePort();
    const down = smtpMailer(`smtp://127.0.0.1:${port}`);
    expect(await down.runOnce()).toMatchObject({ claimed: 1, sent: 0, retrying: 1 });
    const failed = await mailRow(mailId);
    expect(failed).toMatchObject({ status: 'pending', attempts: 1 });
    expect(failed.last_error).toMatch(/ECONNREFUSED/);
    const firstTokens = await db
      .selectFrom('email_tokens')
      .selectAll()
      .where('mail_id', '=', mailId)
      .execute();
    expect(firstTokens).toHaveLength(1);

    const up = await startSmtpServer(port);
    try {
      const mailer = smtpMailer(up.url);
      expect(await mailer.runOnce()).toMatchObject({ claimed: 1, sent: 1 });
      expect(await mailer.runOnce()).toMatchObject({ claimed: 0 });
      expect(up.inbox).toHaveLength(1);
      expect(await mailRow(mailId)).toMatchObject({ status: 'sent', attempts: 2, last_error: null });
      const token = tokenOf(up.inbox[0]?.links[0], `${APP_URL}/verify-email/`);
      const tokens = await db
        .selectFrom('email_tokens')
        .selectAll()
        .where('mail_id', '=', mailId)
        .orderBy('created_at')
        .execute();
      expect(tokens).toHaveLength(2);
      const live = tokens.filter((row) => row.revoked_at === null);
      expect(live.map((row) => row.token_hash)).toEqual([sha256Hex(token)]);
      expect(tokens.find((row) => row.id === firstTokens[0]?.id)?.revoked_at).not.toBeNull();
    } finally {
      await up.close();
    }
  });

  it('a refusing SMTP server: retried, then dead-lettered with its answer (and the change committed)', async () => {
    const user = await newUser();
    const mailId = await enqueueMail(db, {
      kind: 'auth.sign_up_attempted',
      to: user.email,
      locale: 'en',
      params: { userId: user.id },
    });
    smtp.refuse = { code: 550, message: 'mailbox unavailable' };
    const mailer = smtpMailer(smtp.url, { maxAttempts: 2 });
    expect(await mailer.runOnce()).toMatchObject({ claimed: 1, retrying: 1 });
    expect(await mailer.runOnce()).toMatchObject({ claimed: 1, dead: 1 });
    expect(await mailer.runOnce()).toMatchObject({ claimed: 0 });
    const dead = await mailRow(mailId);
    expect(dead).toMatchObject({ status: 'dead', attempts: 2 });
    expect(dead.last_error).toMatch(/SMTP 550/);
    expect(smtp.inbox).toHaveLength(0);
  });

  it('skips a mail with nothing to send any more (the address was verified meanwhile)', async () => {
    const user = await newUser();
    const mailId = await enqueueMail(db, {
      kind: 'auth.verify_email',
      to: user.email,
      locale: 'en',
      params: { userId: user.id },
    });
    await db.updateTable('users').set({ email_verified_at: new Date() }).where('id', '=', user.id).execute();
    expect(await smtpMailer().runOnce()).toMatchObject({ claimed: 1, skipped: 1, sent: 0 });
    expect(await mailRow(mailId)).toMatchObject({ status: 'skipped' });
    expect(smtp.inbox).toHaveLength(0);
  });

  it('two mailers on one database send each mail once (FOR UPDATE SKIP LOCKED)', async () => {
    const users = await Promise.all(Array.from({ length: 8 }, () => newUser()));
    for (const user of users) {
      await enqueueMail(db, {
        kind: 'auth.sign_up_attempted',
        to: user.email,
        locale: 'en',
        params: { userId: user.id },
      });
    }
    const a = smtpMailer(smtp.url, { batchSize: 3 });
    const b = smtpMailer(smtp.url, { batchSize: 3 });
    for (let round = 0; round < 10; round++) {
      const [ra, rb] = await Promise.all([a.runOnce(), b.runOnce()]);
      if (ra.claimed + rb.claimed === 0) break;
    }
    expect(smtp.inbox.map((m) => m.to).sort()).toEqual(users.map((u) => u.email).sort());
  });
});

describe('mail configuration', () => {
  it('refuses NODE_ENV=production without SMTP_URL (or APP_URL), naming the variables', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', APP_URL: 'https://roster.example' })).toThrow(
      ConfigError,
    );
    expect(() => loadConfig({ NODE_ENV: 'production', APP_URL: 'https://roster.example' })).toThrow(
      /SMTP_URL must be set when NODE_ENV=production/,
    );
    expect(() => loadConfig({ NODE_ENV: 'production', SMTP_URL: 'smtp://mail.example:587' })).toThrow(
      /APP_URL/,
    );
    expect(
      loadConfig({
        NODE_ENV: 'production',
        SMTP_URL: 'smtp://mail.example:587',
        APP_URL: 'https://roster.example/',
        WEBHOOK_SECRETS_KEY: 'test-webhook-secrets-key-0123456789abcdef',
      }),
    ).toMatchObject({ SMTP_URL: 'smtp://mail.example:587', APP_URL: 'https://roster.example' });
    expect(loadConfig({}).SMTP_URL).toBeUndefined();
  });

  it('refuses a malformed SMTP_URL without echoing its password', () => {
    try {
      loadConfig({ SMTP_URL: 'http://user:hunter2@mail.example' });
      expect.unreachable();
    } catch (error) {
      expect(String(error)).toContain('SMTP_URL must be an smtp://');
      expect(String(error)).not.toContain('hunter2');
    }
  });

  it('without SMTP_URL (development) the mails go to the development mailbox, listed at /dev/mailbox.json', async () => {
    const dt = process.env.DATABASE_URL ? await createTestDatabase() : undefined;
    const server = await startServer(
      loadConfig({
        PORT: '0',
        HOST: '127.0.0.1',
        NODE_ENV: 'development',
        LOG_LEVEL: 'silent',
        SEED_DEMO: '0',
        DISPATCHER_INTERVAL_MS: '0',
        MAILER_INTERVAL_MS: '0',
        APP_URL: APP_URL,
        ...(dt?.url ? { DATABASE_URL: dt.url } : { DATA_DIR: 'memory://' }),
      }),
    );
    try {
      expect(server.mailer.transport.kind).toBe('dev-mailbox');
      const empty = await fetch(`${server.url}/dev/mailbox.json`);
      expect(await empty.json()).toEqual({ mails: [] });
    } finally {
      await server.close();
      await dt?.destroy();
    }
  });

  it('with SMTP_URL there is no development mailbox route', async () => {
    const dt = process.env.DATABASE_URL ? await createTestDatabase() : undefined;
    const server = await startServer(
      loadConfig({
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'silent',
        SEED_DEMO: '0',
        DISPATCHER_INTERVAL_MS: '0',
        MAILER_INTERVAL_MS: '0',
        SMTP_URL: smtp.url,
        ...(dt?.url ? { DATABASE_URL: dt.url } : { DATA_DIR: 'memory://' }),
      }),
    );
    try {
      expect(server.mailer.transport.kind).toBe('smtp');
      expect((await fetch(`${server.url}/dev/mailbox.json`)).status).toBe(404);
    } finally {
      await server.close();
      await dt?.destroy();
    }
  });
});
