import { createTestDatabase, type TestDatabase } from '@roster/db/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '../src/identity/password';
import { sha256Hex } from '../src/identity/tokens';
import { claimDueMails, prepareMail, settleMail } from '../src/mail/outbox';
import {
  addMember,
  callerFor,
  createOrganization,
  createSessionRow,
  createUser,
  userCaller,
} from './factories';
import { organizationState, reasonOfRefusal, refusalLeavingStateUnchanged } from './state';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.destroy();
});

const PASSWORD = 'correct horse battery staple';

interface Delivered {
  kind: string;
  to: string;
  subject: string;
  text: string;
  token: string | null;
}

/**
 * What the server's mailer does, minus SMTP: claim the due mails, render them (minting link tokens), mark
 * them sent. Answers the mails addressed to `to`. (apps/server/test/mail/ sends them over real SMTP.)
 */
async function deliverTo(to: string): Promise<Delivered[]> {
  const delivered: Delivered[] = [];
  const mails = await claimDueMails(t.db, { limit: 1000, leaseMs: 60_000 });
  for (const mail of mails) {
    const prepared = await prepareMail(t.db, mail, { appUrl: 'http://app.test' });
    const claimed = { id: mail.id, claimedAttempts: mail.attempts };
    if (!prepared) {
      await settleMail(t.db, claimed, { skipped: true });
      continue;
    }
    await settleMail(t.db, claimed, { sent: true });
    const token =
      prepared.text.match(/\/(?:invite|verify-email|reset-password)\/([A-Za-z0-9_-]{43})/)?.[1] ?? null;
    delivered.push({
      kind: mail.kind,
      to: prepared.to,
      subject: prepared.subject,
      text: prepared.text,
      token,
    });
  }
  return delivered.filter((mail) => mail.to === to);
}

function tokenIn(mails: Delivered[], kind: string): string {
  const mail = mails.find((m) => m.kind === kind);
  if (!mail?.token)
    throw new Error(`no ${kind} mail with a link among ${JSON.stringify(mails.map((m) => m.kind))}`);
  return mail.token;
}

/** Signs up through the procedure (it does not sign in) and answers the new user's row. */
async function signUp(email: string, name = 'Someone') {
  const answer = await callerFor(t.db, null).auth.signUp({ email, password: PASSWORD, name });
  const user = await t.db
    .selectFrom('users')
    .select(['id', 'email', 'email_verified_at', 'password_hash'])
    .where('email', '=', email.toLowerCase())
    .executeTakeFirstOrThrow();
  return { answer, user };
}

function tokenRow(token: string) {
  return t.db
    .selectFrom('email_tokens')
    .selectAll()
    .where('token_hash', '=', sha256Hex(token))
    .executeTakeFirstOrThrow();
}

function tamper(token: string) {
  return `${token.slice(0, 20)}${token[20] === 'A' ? 'B' : 'A'}${token.slice(21)}`;
}

describe('the invitation takeover is closed', () => {
  it('signing up as the invited address (another case) sees no invitation and cannot accept it; the owner stays', async () => {
    const organization = await createOrganization(t.db);
    const owner = callerFor(t.db, organization.owner.user);
    const invitation = await owner.invitations.create({
      organizationId: organization.id,
      email: 'new.cfo@company-a.example',
      role: 'owner',
    });
    // The invitation's mail is queued for the invited address.
    const queued = await t.db
      .selectFrom('mail_outbox')
      .select(['kind', 'recipient', 'status'])
      .where(({ eb, ref }) => eb(ref('params', '->>').key('invitationId' as never), '=', invitation.id))
      .execute();
    expect(queued).toEqual([
      { kind: 'invitation.created', recipient: 'new.cfo@company-a.example', status: 'pending' },
    ]);

    const { user: attacker } = await signUp('New.CFO@Company-A.Example', 'Mallory');
    expect(attacker.email).toBe('new.cfo@company-a.example');
    expect(attacker.email_verified_at).toBeNull();
    const asAttacker = callerFor(t.db, attacker);
    expect(await asAttacker.invitations.listMine()).toEqual([]);
    const reason = await refusalLeavingStateUnchanged(
      t.db,
      organization.id,
      () => asAttacker.invitations.accept({ invitationId: invitation.id }),
      [attacker.id],
    );
    expect(reason).toBe('EMAIL_NOT_VERIFIED');
    const state = await organizationState(t.db, organization.id);
    expect(Object.values(state.memberships)).toEqual([
      expect.objectContaining({ userId: organization.owner.user.id, role: 'owner', status: 'active' }),
    ]);
    expect(state.invitations[invitation.id]?.status).toBe('pending');
  });

  it('a verified holder of the address sees and accepts the invitation by id', async () => {
    const organization = await createOrganization(t.db);
    const invitee = await createUser(t.db); // verified
    await callerFor(t.db, organization.owner.user).invitations.create({
      organizationId: organization.id,
      email: invitee.email,
      role: 'member',
    });
    const mine = await callerFor(t.db, invitee).invitations.listMine();
    expect(mine).toHaveLength(1);
    const accepted = await callerFor(t.db, invitee).invitations.accept({ invitationId: mine[0]!.id });
    expect(accepted.role).toBe('member');
  });
});

describe('invitation links', () => {
  async function invited(role: 'member' | 'owner' = 'member') {
    const organization = await createOrganization(t.db);
    const owner = callerFor(t.db, organization.owner.user);
    const email = `invitee-${Math.random().toString(36).slice(2, 10)}@example.test`;
    const invitation = await owner.invitations.create({ organizationId: organization.id, email, role });
    const token = tokenIn(await deliverTo(email), 'invitation.created');
    return { organization, owner, email, invitation, token };
  }

  it('sign up with the invited address, open the link: a member, the address verified, the token used once', async () => {
    const { organization, email, invitation, token } = await invited();
    const row = await tokenRow(token);
    expect(row).toMatchObject({ purpose: 'invitation', invitation_id: invitation.id, email, used_at: null });
    const preview = await callerFor(t.db, null).invitations.byToken({ token });
    expect(preview).toMatchObject({
      email,
      role: 'member',
      organization: { slug: organization.slug },
      expired: false,
    });

    const { user } = await signUp(email.toUpperCase(), 'Invitee');
    const accepted = await callerFor(t.db, user).invitations.acceptByToken({ token });
    expect(accepted).toMatchObject({ role: 'member', organization: { id: organization.id } });
    const membership = await t.db
      .selectFrom('memberships')
      .select(['user_id', 'role', 'status'])
      .where('id', '=', accepted.memberId)
      .executeTakeFirstOrThrow();
    expect(membership).toEqual({ user_id: user.id, role: 'member', status: 'active' });
    expect((await tokenRow(token)).used_at).not.toBeNull();
    const invitationRow = await t.db
      .selectFrom('invitations')
      .select(['status', 'accepted_by'])
      .where('id', '=', invitation.id)
      .executeTakeFirstOrThrow();
    expect(invitationRow).toEqual({ status: 'accepted', accepted_by: user.id });
    const verified = await t.db
      .selectFrom('users')
      .select('email_verified_at')
      .where('id', '=', user.id)
      .executeTakeFirstOrThrow();
    expect(verified.email_verified_at).not.toBeNull();
    const audit = await t.db
      .selectFrom('audit_log')
      .select('metadata')
      .where('organization_id', '=', organization.id)
      .where('action', '=', 'invitation.accepted')
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(audit.metadata)).not.toContain(token);

    // Reused: refused, nothing changes.
    expect(
      await refusalLeavingStateUnchanged(t.db, organization.id, () =>
        callerFor(t.db, user).invitations.acceptByToken({ token }),
      ),
    ).toBe('TOKEN_INVALID');
  });

  it('another user’s link: INVITATION_FOR_ANOTHER_ADDRESS, nothing changes, and the link still works for its holder', async () => {
    const { organization, email, token } = await invited('owner');
    const stranger = await createUser(t.db);
    expect(
      await refusalLeavingStateUnchanged(
        t.db,
        organization.id,
        () => callerFor(t.db, stranger).invitations.acceptByToken({ token }),
        [stranger.id],
      ),
    ).toBe('INVITATION_FOR_ANOTHER_ADDRESS');
    expect((await tokenRow(token)).used_at).toBeNull();
    const holder = await createUser(t.db, { email, verified: false });
    const accepted = await callerFor(t.db, holder).invitations.acceptByToken({ token });
    expect(accepted.role).toBe('owner');
  });

  it('tampered, malformed and expired links are refused and change nothing', async () => {
    const { organization, email, invitation, token } = await invited();
    const holder = await createUser(t.db, { email });
    const asHolder = callerFor(t.db, holder);
    expect(
      await refusalLeavingStateUnchanged(t.db, organization.id, () =>
        asHolder.invitations.acceptByToken({ token: tamper(token) }),
      ),
    ).toBe('TOKEN_INVALID');
    expect(await reasonOfRefusal(asHolder.invitations.acceptByToken({ token: 'short' }))).toBe(
      'VALIDATION_FAILED',
    );
    expect(await reasonOfRefusal(callerFor(t.db, null).invitations.byToken({ token: tamper(token) }))).toBe(
      'TOKEN_INVALID',
    );
    await t.db
      .updateTable('invitations')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('id', '=', invitation.id)
      .execute();
    await t.db
      .updateTable('email_tokens')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('invitation_id', '=', invitation.id)
      .execute();
    expect(
      await refusalLeavingStateUnchanged(t.db, organization.id, () =>
        asHolder.invitations.acceptByToken({ token }),
      ),
    ).toBe('INVITATION_EXPIRED');
    expect((await tokenRow(token)).used_at).toBeNull();
  });

  it('resend mails a new link and kills the old one; too soon is refused; revoking kills the link', async () => {
    const { organization, owner, email, invitation, token } = await invited();
    expect(
      await refusalLeavingStateUnchanged(t.db, organization.id, () =>
        owner.invitations.resend({ invitationId: invitation.id }),
      ),
    ).toBe('INVITATION_RESEND_TOO_SOON');
    // A minute later (moved back in the database rather than waited for).
    await t.db
      .updateTable('invitations')
      .set({ last_mailed_at: new Date(Date.now() - 120_000) })
      .where('id', '=', invitation.id)
      .execute();
    // An admin may not resend an owner's-level invitation, but may resend this member invitation.
    const admin = await addMember(t.db, organization.id, 'admin');
    await callerFor(t.db, admin.user).invitations.resend({ invitationId: invitation.id });
    expect((await tokenRow(token)).revoked_at).not.toBeNull();
    const fresh = tokenIn(await deliverTo(email), 'invitation.created');
    expect(fresh).not.toBe(token);
    const resent = await t.db
      .selectFrom('audit_log')
      .select(['actor_user_id', 'metadata'])
      .where('organization_id', '=', organization.id)
      .where('action', '=', 'invitation.resent')
      .executeTakeFirstOrThrow();
    expect(resent).toEqual({
      actor_user_id: admin.user.id,
      metadata: { invitationId: invitation.id, email, role: 'member' },
    });

    const holder = await createUser(t.db, { email });
    expect(await reasonOfRefusal(callerFor(t.db, holder).invitations.acceptByToken({ token }))).toBe(
      'TOKEN_INVALID',
    );

    await owner.invitations.revoke({ invitationId: invitation.id });
    expect((await tokenRow(fresh)).revoked_at).not.toBeNull();
    expect(
      await refusalLeavingStateUnchanged(t.db, organization.id, () =>
        callerFor(t.db, holder).invitations.acceptByToken({ token: fresh }),
      ),
    ).toBe('TOKEN_INVALID');
  });

  it('an admin cannot resend an invitation as owner', async () => {
    const { organization, invitation } = await invited('owner');
    await t.db
      .updateTable('invitations')
      .set({ last_mailed_at: new Date(Date.now() - 120_000) })
      .where('id', '=', invitation.id)
      .execute();
    const admin = await addMember(t.db, organization.id, 'admin');
    expect(
      await refusalLeavingStateUnchanged(t.db, organization.id, () =>
        callerFor(t.db, admin.user).invitations.resend({ invitationId: invitation.id }),
      ),
    ).toBe('INSUFFICIENT_ROLE');
  });

  it('a rolled-back invitation queues no mail', async () => {
    const organization = await createOrganization(t.db);
    const member = await addMember(t.db, organization.id, 'member');
    const owner = callerFor(t.db, organization.owner.user);
    const before = await t.db
      .selectFrom('mail_outbox')
      .select(t.db.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    // Inviting an active member fails inside the transaction, after the lock.
    expect(
      await reasonOfRefusal(
        owner.invitations.create({
          organizationId: organization.id,
          email: member.user.email,
          role: 'member',
        }),
      ),
    ).toBe('ALREADY_MEMBER');
    const after = await t.db
      .selectFrom('mail_outbox')
      .select(t.db.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
  });
});

describe('sign-up, verification, password reset', () => {
  it('sign-up mails a verification link; following it verifies the address once', async () => {
    const email = `verify-${Math.random().toString(36).slice(2, 10)}@example.test`;
    const { answer, user } = await signUp(email);
    expect(answer).toEqual({ email, verificationSent: true });
    expect(user.email_verified_at).toBeNull();
    const token = tokenIn(await deliverTo(email), 'auth.verify_email');
    expect(await callerFor(t.db, null).auth.verifyEmail({ token })).toEqual({ email, verified: true });
    const after = await t.db
      .selectFrom('users')
      .select('email_verified_at')
      .where('id', '=', user.id)
      .executeTakeFirstOrThrow();
    expect(after.email_verified_at).not.toBeNull();
    expect((await tokenRow(token)).used_at).not.toBeNull();
    expect(await reasonOfRefusal(callerFor(t.db, null).auth.verifyEmail({ token }))).toBe('TOKEN_INVALID');
    expect((await callerFor(t.db, user).auth.me()).user.emailVerified).toBe(true);
    expect(await callerFor(t.db, user).auth.resendVerification()).toEqual({ status: 'already_verified' });
  });

  it('an expired or tampered verification link changes nothing; resend is throttled', async () => {
    const email = `verify-${Math.random().toString(36).slice(2, 10)}@example.test`;
    const { user } = await signUp(email);
    const token = tokenIn(await deliverTo(email), 'auth.verify_email');
    expect(await reasonOfRefusal(callerFor(t.db, null).auth.verifyEmail({ token: tamper(token) }))).toBe(
      'TOKEN_INVALID',
    );
    await t.db
      .updateTable('email_tokens')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('token_hash', '=', sha256Hex(token))
      .execute();
    expect(await reasonOfRefusal(callerFor(t.db, null).auth.verifyEmail({ token }))).toBe('TOKEN_EXPIRED');
    const after = await t.db
      .selectFrom('users')
      .select('email_verified_at')
      .where('id', '=', user.id)
      .executeTakeFirstOrThrow();
    expect(after.email_verified_at).toBeNull();
    expect((await tokenRow(token)).used_at).toBeNull();
    // The sign-up's mail was queued moments ago: no second one yet.
    expect(await callerFor(t.db, user).auth.resendVerification()).toEqual({ status: 'recently_sent' });
    await sql`update mail_outbox set created_at = now() - interval '2 minutes' where recipient = ${email}`.execute(
      t.db,
    );
    expect(await callerFor(t.db, user).auth.resendVerification()).toEqual({ status: 'sent' });
    const fresh = tokenIn(await deliverTo(email), 'auth.verify_email');
    await callerFor(t.db, null).auth.verifyEmail({ token: fresh });
  });

  it('sign-up with a taken address answers like a new one, changes nothing, and mails the holder', async () => {
    const email = `taken-${Math.random().toString(36).slice(2, 10)}@example.test`;
    const first = await signUp(email, 'Holder');
    await deliverTo(email);
    const again = await callerFor(t.db, null).auth.signUp({
      email: email.toUpperCase(),
      password: 'another password',
      name: 'Intruder',
    });
    expect(again).toEqual(first.answer);
    const users = await t.db
      .selectFrom('users')
      .select(['id', 'name', 'password_hash'])
      .where('email', '=', email)
      .execute();
    expect(users).toEqual([{ id: first.user.id, name: 'Holder', password_hash: first.user.password_hash }]);
    const mails = await deliverTo(email);
    expect(mails.map((m) => m.kind)).toEqual(['auth.sign_up_attempted']);
    expect(mails[0]?.token).toBeNull();
    // Once per ten minutes at most.
    await callerFor(t.db, null).auth.signUp({ email, password: 'another password', name: 'Intruder' });
    expect(await deliverTo(email)).toEqual([]);
  });

  it('password reset: the same answer for any address; the link sets the password and ends the other sessions', async () => {
    const unknown = `nobody-${Math.random().toString(36).slice(2, 10)}@example.test`;
    const user = await createUser(t.db, { verified: false });
    const anonymous = callerFor(t.db, null);
    const forUnknown = await anonymous.auth.requestPasswordReset({ email: unknown });
    const forKnown = await anonymous.auth.requestPasswordReset({ email: user.email });
    expect(forUnknown).toEqual({ email: unknown, sent: true });
    expect(forKnown).toEqual({ email: user.email, sent: true });
    const unknownMails = await t.db
      .selectFrom('mail_outbox')
      .select('id')
      .where('recipient', '=', unknown)
      .execute();
    expect(unknownMails).toEqual([]);

    const kept = await createSessionRow(t.db, user.id);
    const other = await createSessionRow(t.db, user.id);
    const elsewhere = await createSessionRow(t.db, user.id);
    const bystander = await createUser(t.db);
    const bystanderSession = await createSessionRow(t.db, bystander.id);
    const token = tokenIn(await deliverTo(user.email), 'auth.password_reset');

    expect(await reasonOfRefusal(anonymous.auth.resetPassword({ token, password: 'short' }))).toBe(
      'VALIDATION_FAILED',
    );
    expect(
      await reasonOfRefusal(
        anonymous.auth.resetPassword({ token: tamper(token), password: 'a new password' }),
      ),
    ).toBe('TOKEN_INVALID');
    // A verification link is not a reset link.
    const asUser = callerFor(t.db, userCaller(user, kept.id));
    const answer = await asUser.auth.resetPassword({ token, password: 'a brand new password' });
    expect(answer).toEqual({ email: user.email, revokedSessions: 2 });

    const sessions = await t.db
      .selectFrom('sessions')
      .select(['id', 'revoked_at'])
      .where('id', 'in', [kept.id, other.id, elsewhere.id, bystanderSession.id])
      .execute();
    const revoked = Object.fromEntries(sessions.map((s) => [s.id, s.revoked_at !== null]));
    expect(revoked).toEqual({
      [kept.id]: false,
      [other.id]: true,
      [elsewhere.id]: true,
      [bystanderSession.id]: false,
    });
    const row = await t.db
      .selectFrom('users')
      .select(['password_hash', 'email_verified_at'])
      .where('id', '=', user.id)
      .executeTakeFirstOrThrow();
    expect(await verifyPassword('a brand new password', row.password_hash ?? '')).toBe(true);
    expect(row.email_verified_at).not.toBeNull();
    expect((await tokenRow(token)).used_at).not.toBeNull();
    expect(await reasonOfRefusal(anonymous.auth.resetPassword({ token, password: 'yet another one' }))).toBe(
      'TOKEN_INVALID',
    );
  });

  it('an expired reset link and a verification link used as a reset link change nothing', async () => {
    const email = `reset-${Math.random().toString(36).slice(2, 10)}@example.test`;
    const { user } = await signUp(email);
    const verifyToken = tokenIn(await deliverTo(email), 'auth.verify_email');
    const anonymous = callerFor(t.db, null);
    expect(
      await reasonOfRefusal(anonymous.auth.resetPassword({ token: verifyToken, password: 'a new password' })),
    ).toBe('TOKEN_INVALID');
    await anonymous.auth.requestPasswordReset({ email });
    const token = tokenIn(await deliverTo(email), 'auth.password_reset');
    await t.db
      .updateTable('email_tokens')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('token_hash', '=', sha256Hex(token))
      .execute();
    const session = await createSessionRow(t.db, user.id);
    expect(await reasonOfRefusal(anonymous.auth.resetPassword({ token, password: 'a new password' }))).toBe(
      'TOKEN_EXPIRED',
    );
    const after = await t.db
      .selectFrom('users')
      .select('password_hash')
      .where('id', '=', user.id)
      .executeTakeFirstOrThrow();
    expect(after.password_hash).toBe(user.password_hash);
    const sessionRow = await t.db
      .selectFrom('sessions')
      .select('revoked_at')
      .where('id', '=', session.id)
      .executeTakeFirstOrThrow();
    expect(sessionRow.revoked_at).toBeNull();
  });
});
