import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { redactUrl } from '../../src/app';
import { createMailer, createSmtpTransport, type Mailer } from '../../src/mailer';
import {
  DB_KIND,
  type IdentityTestServer,
  mutate,
  PASSWORD,
  query,
  signUp,
  startIdentityServer,
} from '../identity/helpers';
import { startSmtpServer, type TestSmtpServer, tokenOf } from './smtp';

let s: IdentityTestServer;
let smtp: TestSmtpServer;
let mailer: Mailer;
const logLines: string[] = [];
/** Every link mailed in this file. */
const allLinks: string[] = [];

beforeAll(async () => {
  smtp = await startSmtpServer();
  // Request logs at info level into memory, to check that no token is ever logged.
  const logStream = new Writable({
    write(chunk, _encoding, callback) {
      logLines.push(String(chunk));
      callback();
    },
  });
  s = await startIdentityServer({ logLevel: 'info', logStream });
  mailer = createMailer(s.db, {
    appUrl: s.base,
    from: 'Roster <roster@test.example>',
    transport: createSmtpTransport(smtp.url),
  });
});
afterAll(async () => {
  await s?.close();
  await smtp?.close();
});
beforeEach(() => {
  smtp.inbox.length = 0;
});

/** Sends what is queued (the server's mailer, one round over real SMTP) and answers the mails to `to`. */
async function mailsTo(to: string) {
  await mailer.runOnce();
  allLinks.push(...smtp.inbox.flatMap((mail) => mail.links));
  const mails = smtp.inbox.filter((mail) => mail.to === to);
  smtp.inbox.length = 0;
  return mails;
}

function linkOf(mails: Array<{ links: string[] }>, path: string): string {
  const link = mails.flatMap((m) => m.links).find((l) => l.includes(path));
  if (!link) throw new Error(`no ${path} link in ${JSON.stringify(mails)}`);
  return link;
}

async function ownerWithOrganization(label: string) {
  const owner = await signUp(s.base, label);
  const slug = `${label}-${Math.random().toString(36).slice(2, 8)}`;
  const created = await mutate<{ id: string }>(
    s.base,
    'organizations.create',
    { name: `Org ${label}`, slug },
    { cookie: owner.cookie },
  );
  expect(created.status).toBe(200);
  return { owner, organizationId: created.data.id };
}

async function activeMemberships(organizationId: string) {
  return s.db
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select(['users.email', 'memberships.role'])
    .where('organization_id', '=', organizationId)
    .where('status', '=', 'active')
    .orderBy('memberships.created_at')
    .execute();
}

describe(`mail flows over HTTP and SMTP (${DB_KIND})`, () => {
  it('invite -> mail -> follow the link -> sign up with the invited address -> member', async () => {
    const { owner, organizationId } = await ownerWithOrganization('inviter');
    const invitee = `invitee-${Math.random().toString(36).slice(2, 8)}@example.test`;
    const invited = await mutate<{ id: string }>(
      s.base,
      'invitations.create',
      { organizationId, email: invitee, role: 'admin' },
      { cookie: owner.cookie },
    );
    expect(invited.status).toBe(200);
    const [mail] = await mailsTo(invitee);
    expect(mail?.subject).toContain('invited you to');
    const link = linkOf([mail!], '/invite/');
    expect(link.startsWith(`${s.base}/invite/`)).toBe(true);
    const token = tokenOf(link, `${s.base}/invite/`);

    // What the /invite/<token> screen shows before anyone signs in.
    const preview = await query<{ email: string; role: string }>(s.base, 'invitations.byToken', { token });
    expect(preview.data).toMatchObject({ email: invitee, role: 'admin' });

    // Sign up from the link (the address in another case), sign in, accept.
    const signedUp = await mutate(s.base, 'auth.signUp', {
      email: invitee.toUpperCase(),
      password: PASSWORD,
      name: 'Invitee',
    });
    expect(signedUp.status).toBe(200);
    expect(signedUp.sessionCookie).toBeUndefined();
    const signedIn = await mutate(s.base, 'auth.signIn', { email: invitee, password: PASSWORD });
    const accepted = await mutate<{ role: string }>(
      s.base,
      'invitations.acceptByToken',
      { token },
      { cookie: signedIn.sessionCookie },
    );
    expect(accepted.status).toBe(200);
    expect(accepted.data.role).toBe('admin');
    expect(await activeMemberships(organizationId)).toEqual([
      { email: owner.user.email, role: 'owner' },
      { email: invitee, role: 'admin' },
    ]);
    const me = await query<{ user: { emailVerified: boolean } }>(s.base, 'auth.me', undefined, {
      cookie: signedIn.sessionCookie,
    });
    expect(me.data.user.emailVerified).toBe(true);

    // Used once: the same link again is refused.
    const again = await mutate(
      s.base,
      'invitations.acceptByToken',
      { token },
      { cookie: signedIn.sessionCookie },
    );
    expect(again.reason).toBe('TOKEN_INVALID');
    // The sign-up queued a verification mail; the invitation link proved the address first, so it is skipped.
    expect(await mailsTo(invitee)).toEqual([]);
    const verification = await s.db
      .selectFrom('mail_outbox')
      .select('status')
      .where('recipient', '=', invitee)
      .where('kind', '=', 'auth.verify_email')
      .execute();
    expect(verification).toEqual([{ status: 'skipped' }]);
  });

  it('the takeover fails: a squatter on the invited address sees nothing, accepts nothing; the holder resets the password and the squatter is out', async () => {
    const { owner, organizationId } = await ownerWithOrganization('victim');
    const cfo = `new.cfo-${Math.random().toString(36).slice(2, 8)}@company.example`;
    const invited = await mutate<{ id: string }>(
      s.base,
      'invitations.create',
      { organizationId, email: cfo, role: 'owner' },
      { cookie: owner.cookie },
    );
    const invitationLink = linkOf(await mailsTo(cfo), '/invite/');

    // The squatter signs up first with the invited address in another case.
    const squatterEmail = cfo.replace('new.cfo', 'New.CFO');
    await mutate(s.base, 'auth.signUp', {
      email: squatterEmail,
      password: 'squatter password',
      name: 'Mallory',
    });
    const squatter = await mutate(s.base, 'auth.signIn', {
      email: squatterEmail,
      password: 'squatter password',
    });
    expect(squatter.status).toBe(200);
    const listed = await query<unknown[]>(s.base, 'invitations.listMine', undefined, {
      cookie: squatter.sessionCookie,
    });
    expect(listed.data).toEqual([]);
    const refused = await mutate(
      s.base,
      'invitations.accept',
      { invitationId: invited.data.id },
      { cookie: squatter.sessionCookie },
    );
    expect(refused.status).toBe(403);
    expect(refused.reason).toBe('EMAIL_NOT_VERIFIED');
    expect(await activeMemberships(organizationId)).toEqual([{ email: owner.user.email, role: 'owner' }]);

    // The real holder reads their mail: a reset link takes the account back and signs the squatter out.
    await mutate(s.base, 'auth.requestPasswordReset', { email: cfo });
    const resetLink = linkOf(await mailsTo(cfo), '/reset-password/');
    const reset = await mutate<{ revokedSessions: number }>(s.base, 'auth.resetPassword', {
      token: tokenOf(resetLink, `${s.base}/reset-password/`),
      password: 'the holder password',
    });
    expect(reset.status).toBe(200);
    expect(reset.data.revokedSessions).toBe(1);
    const user = await s.db
      .selectFrom('users')
      .select('id')
      .where('email', '=', cfo)
      .executeTakeFirstOrThrow();
    const sessions = await s.db
      .selectFrom('sessions')
      .select('revoked_at')
      .where('user_id', '=', user.id)
      .execute();
    expect(sessions.map((row) => row.revoked_at !== null)).toEqual([true]);
    expect((await query(s.base, 'auth.me', undefined, { cookie: squatter.sessionCookie })).status).toBe(401);

    const holder = await mutate(s.base, 'auth.signIn', { email: cfo, password: 'the holder password' });
    const accepted = await mutate(
      s.base,
      'invitations.acceptByToken',
      { token: tokenOf(invitationLink, `${s.base}/invite/`) },
      { cookie: holder.sessionCookie },
    );
    expect(accepted.status).toBe(200);
    expect(await activeMemberships(organizationId)).toEqual([
      { email: owner.user.email, role: 'owner' },
      { email: cfo, role: 'owner' },
    ]);
  });

  it('sign-up with a taken address answers the same over HTTP (status, body, no cookie) and mails the holder', async () => {
    const holder = await signUp(s.base, 'holder');
    await mailsTo(holder.user.email);
    const fresh = await mutate(s.base, 'auth.signUp', {
      email: `fresh-${Math.random().toString(36).slice(2, 8)}@example.test`,
      password: PASSWORD,
      name: 'Fresh',
    });
    const taken = await mutate(s.base, 'auth.signUp', {
      email: holder.user.email,
      password: 'other password',
      name: 'X',
    });
    expect(taken.status).toBe(fresh.status);
    expect(Object.keys(taken.data as object)).toEqual(Object.keys(fresh.data as object));
    expect(taken.data).toEqual({ email: holder.user.email, verificationSent: true });
    expect(taken.setCookie).toEqual(fresh.setCookie);
    const mails = await mailsTo(holder.user.email);
    expect(mails.map((m) => m.subject)).toEqual(['Someone tried to sign up to Roster with your address']);
  });

  it('no token reaches the logs, and request logs redact token paths', async () => {
    const everything = logLines.join('');
    expect(everything.length).toBeGreaterThan(0);
    const tokens = allLinks
      .filter((l) => /\/(invite|reset-password|verify-email)\//.test(l))
      .map((l) => l.split('/').pop() ?? '');
    expect(tokens.length).toBeGreaterThan(3);
    for (const token of tokens) expect(everything).not.toContain(token);
    const tokensInDb = await s.db.selectFrom('email_tokens').select('token_hash').execute();
    expect(tokensInDb.length).toBeGreaterThan(0);
    expect(redactUrl('/invite/abcDEF123_-xyz')).toBe('/invite/[token]');
    expect(redactUrl('/reset-password/abc?x=1')).toBe('/reset-password/[token]?[redacted]');
    expect(redactUrl('/trpc/invitations.byToken?input=%7B%22token%22%3A%22abc%22%7D')).toBe(
      '/trpc/invitations.byToken?[redacted]',
    );
    expect(redactUrl('/app/acme')).toBe('/app/acme');
  });
});
