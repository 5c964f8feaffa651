import { buildServer, createDevMailbox, createMailer, createSmtpTransport } from '@roster/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpServer, type TestSmtpServer, tokenOf } from '../../server/test/mail/smtp';
import {
  appForFile,
  call,
  hasChromium,
  newPage,
  organizationWith,
  PASSWORD,
  signUpApi,
  uniqueEmail,
  WEB_DIST,
} from './harness';

describe.skipIf(!hasChromium)('mailed links in the browser', () => {
  const app = appForFile();
  let smtp: TestSmtpServer;
  beforeAll(async () => {
    smtp = await startSmtpServer();
  });
  afterAll(async () => {
    await smtp?.close();
  });

  it('an invitation mailed over SMTP: follow its link, sign up with the invited address, join, land in the organization', async () => {
    const owner = await signUpApi(app, 'Ines Inviter');
    const organization = await organizationWith(app, owner, 'Link Co');
    const invitee = uniqueEmail('invitee');
    await call(
      app,
      'invitations.create',
      { organizationId: organization.id, email: invitee, role: 'member' },
      owner.cookie,
    );
    // The server's mailer, one round, over a real SMTP server.
    const mailer = createMailer(app.t.db, {
      appUrl: app.url,
      from: 'Roster <roster@test.example>',
      transport: createSmtpTransport(smtp.url),
    });
    expect(await mailer.runOnce()).toMatchObject({ sent: 1 });
    const mail = smtp.inbox.find((m) => m.to === invitee);
    expect(mail?.subject).toBe('Ines Inviter invited you to Link Co on Roster');
    const link = mail?.links.find((l) => l.includes('/invite/'));
    const token = tokenOf(link, `${app.url}/invite/`);

    const { page } = await newPage(app);
    await page.goto(link!);
    await page.getByRole('heading', { name: 'You are invited' }).waitFor();
    await page.getByText(`Ines Inviter invited ${invitee} to join Link Co as Member.`).waitFor();
    const emailField = page.getByLabel('Email');
    expect(await emailField.inputValue()).toBe(invitee);
    expect(await emailField.getAttribute('readonly')).not.toBeNull();
    await page.getByLabel('Name').fill('Ivo Invitee');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('button', { name: 'Join Link Co' }).click();
    await page.waitForURL(`**/app/${organization.slug}`);
    await page.getByText('Your role: Member').waitFor();
    // The address is proven by the link: no "confirm your address" banner.
    expect(await page.getByRole('heading', { name: 'Confirm your email address' }).count()).toBe(0);

    const user = await app.t.db
      .selectFrom('users')
      .select(['id', 'email_verified_at'])
      .where('email', '=', invitee)
      .executeTakeFirstOrThrow();
    expect(user.email_verified_at).not.toBeNull();
    const membership = await app.t.db
      .selectFrom('memberships')
      .select(['role', 'status'])
      .where('organization_id', '=', organization.id)
      .where('user_id', '=', user.id)
      .executeTakeFirstOrThrow();
    expect(membership).toEqual({ role: 'member', status: 'active' });
    const tokenRow = await app.t.db
      .selectFrom('email_tokens')
      .select('used_at')
      .where('invitation_id', 'is not', null)
      .where('email', '=', invitee)
      .executeTakeFirstOrThrow();
    expect(tokenRow.used_at).not.toBeNull();
    expect(token.length).toBe(43);
  });

  it('the development mailbox at /dev/mail: a password-reset mail, its link, a new password', async () => {
    const devMailbox = createDevMailbox();
    const server = await buildServer({
      db: app.t.db,
      logLevel: 'silent',
      webDist: WEB_DIST,
      rateLimit: false,
      devMailbox,
    });
    const url = await server.listen({ port: 0, host: '127.0.0.1' });
    try {
      const user = await signUpApi(app, 'Rosa Reset');
      const mailer = createMailer(app.t.db, {
        appUrl: url,
        from: 'Roster <roster@test.example>',
        transport: devMailbox,
      });
      await mailer.runOnce(); // the sign-up's verification mail (already verified here: skipped)
      const { page } = await newPage(app);
      await page.goto(`${url}/sign-in`);
      await page.getByRole('link', { name: 'Forgot your password?' }).click();
      await page.getByLabel('Email').fill(user.email);
      await page.getByRole('button', { name: 'Send the link' }).click();
      await page.getByText(`If ${user.email} has a Roster account`).waitFor();
      expect(await mailer.runOnce()).toMatchObject({ sent: 1 });

      await page.goto(`${url}/dev/mail`);
      await page.getByRole('heading', { name: 'Reset your Roster password' }).waitFor();
      await page.getByRole('link', { name: /\/reset-password\// }).click();
      await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
      await page.getByLabel('New password').fill('a brand new password');
      await page.getByRole('button', { name: 'Save the new password' }).click();
      await page.getByText(`The password of ${user.email} is changed`).waitFor();
      // The old session (signUpApi's) is revoked.
      const sessions = await app.t.db
        .selectFrom('sessions')
        .select('revoked_at')
        .where('user_id', '=', user.id)
        .execute();
      expect(sessions.length).toBeGreaterThan(0);
      expect(sessions.every((s) => s.revoked_at !== null)).toBe(true);
    } finally {
      await server.close();
    }
  });
});
