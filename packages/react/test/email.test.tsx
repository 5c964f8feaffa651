import { claimDueMails, enqueueMail, prepareMail, settleMail } from '@roster/api';
import { act, renderHook, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import {
  type ErrorReason,
  useAcceptInvitationByToken,
  useInvitationByToken,
  useMyInvitations,
  useOrganizations,
  useRequestPasswordReset,
  useResendVerification,
  useSession,
  useVerifyEmail,
} from '../src';
import {
  browserWrapper,
  DB_KIND,
  rosterForFile,
  seedOrganization,
  seedUser,
  signUp,
  wrapperFor,
} from './harness';

const roster = rosterForFile();

/** What the server's mailer does minus SMTP: render the queued mails to `to`, minting their link tokens. */
async function linkTokenFor(to: string, kind: string): Promise<string> {
  const mails = await claimDueMails(roster.t.db, { limit: 1000, leaseMs: 60_000 });
  let token: string | null = null;
  for (const mail of mails) {
    const prepared = await prepareMail(roster.t.db, mail, { appUrl: 'http://app.test' });
    await settleMail(
      roster.t.db,
      { id: mail.id, claimedAttempts: mail.attempts },
      prepared ? { sent: true } : { skipped: true },
    );
    if (prepared?.to === to && mail.kind === kind)
      token = prepared.text.match(/\/([A-Za-z0-9_-]{43})\b/)?.[1] ?? null;
  }
  if (!token) throw new Error(`no ${kind} mail to ${to}`);
  return token;
}

describe(`email proof hooks (${DB_KIND})`, () => {
  it('an unverified user sees no invitations; the invitation link accepts and verifies; another address gets a typed reason', async () => {
    const user = await signUp(roster, 'Unverified', { verified: false });
    const owner = await seedUser(roster);
    const organization = await seedOrganization(roster, [[owner, 'owner']]);
    const invitation = await roster.t.db
      .insertInto('invitations')
      .values({
        organization_id: organization.id,
        email: user.email,
        role: 'member',
        invited_by: owner.id,
        expires_at: new Date(Date.now() + 86_400_000),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await enqueueMail(roster.t.db, {
      kind: 'invitation.created',
      to: user.email,
      locale: 'en',
      params: { invitationId: invitation.id },
    });
    const token = await linkTokenFor(user.email, 'invitation.created');

    // Someone else signed in opens the link: a typed refusal, nothing accepted.
    const stranger = await signUp(roster, 'Stranger');
    const asStranger = renderHook(() => useAcceptInvitationByToken(), {
      wrapper: wrapperFor(roster, stranger).wrapper,
    });
    act(() => asStranger.result.current.mutate({ token }));
    await waitFor(() => expect(asStranger.result.current.reason).toBe('INVITATION_FOR_ANOTHER_ADDRESS'));
    const reason: ErrorReason | null = asStranger.result.current.reason;
    expect(reason).toBe('INVITATION_FOR_ANOTHER_ADDRESS');

    const { result } = renderHook(
      () => ({
        session: useSession(),
        preview: useInvitationByToken(token),
        mine: useMyInvitations(),
        organizations: useOrganizations(),
        accept: useAcceptInvitationByToken(),
      }),
      { wrapper: wrapperFor(roster, user).wrapper },
    );
    await waitFor(() => expect(result.current.preview.data?.email).toBe(user.email));
    await waitFor(() => expect(result.current.session.user?.emailVerified).toBe(false));
    expect(result.current.mine.data).toEqual([]);
    act(() => result.current.accept.mutate({ token }));
    await waitFor(() => expect(result.current.organizations.data).toHaveLength(1));
    await waitFor(() => expect(result.current.session.user?.emailVerified).toBe(true));
    const membership = await roster.t.db
      .selectFrom('memberships')
      .select(['status', 'role'])
      .where('organization_id', '=', organization.id)
      .where('user_id', '=', user.id)
      .executeTakeFirstOrThrow();
    expect(membership).toEqual({ status: 'active', role: 'member' });
  });

  it('verify, resend and password reset hooks answer with typed reasons', async () => {
    const user = await signUp(roster, 'Verifier', { verified: false });
    const { result } = renderHook(
      () => ({ session: useSession(), verify: useVerifyEmail(), resend: useResendVerification() }),
      { wrapper: wrapperFor(roster, user).wrapper },
    );
    await waitFor(() => expect(result.current.session.user?.emailVerified).toBe(false));
    act(() => result.current.verify.mutate({ token: 'A'.repeat(43) }));
    await waitFor(() => expect(result.current.verify.reason).toBe('TOKEN_INVALID'));
    const token = await linkTokenFor(user.email, 'auth.verify_email');
    act(() => result.current.verify.mutate({ token }));
    await waitFor(() => expect(result.current.session.user?.emailVerified).toBe(true));
    act(() => result.current.resend.mutate());
    await waitFor(() => expect(result.current.resend.data).toEqual({ status: 'already_verified' }));

    const anonymous = renderHook(() => useRequestPasswordReset(), {
      wrapper: browserWrapper(roster).wrapper,
    });
    act(() => anonymous.result.current.mutate({ email: 'nobody@example.com' }));
    await waitFor(() =>
      expect(anonymous.result.current.data).toEqual({ email: 'nobody@example.com', sent: true }),
    );
  });
});
