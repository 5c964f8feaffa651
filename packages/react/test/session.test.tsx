import { randomUUID } from 'node:crypto';
import { act, render, renderHook, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { type Session, useAcceptInvitation, useMyInvitations, useOrganizations, useSession } from '../src';
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

type Seen = { actions?: Session; header?: Session };

/** A component of its own that calls useSession and keeps what it returned. */
function SessionProbe({ seen, as }: { seen: Seen; as: keyof Seen }) {
  seen[as] = useSession();
  return null;
}

describe(`useSession and invitations (${DB_KIND})`, () => {
  it('signs up, signs out, refuses a wrong password with INVALID_CREDENTIALS, signs in', async () => {
    const email = `s-${randomUUID()}@example.com`;
    const password = 'correct horse battery staple';
    const { wrapper } = browserWrapper(roster);
    const { result } = renderHook(() => useSession(), { wrapper });
    await waitFor(() => expect(result.current.isLoading).toBe(false));
    expect(result.current.user).toBeNull();
    expect(result.current.isSignedIn).toBe(false);
    expect(result.current.reason).toBeNull();

    act(() => result.current.signUp({ email, password, name: 'Ada' }));
    await waitFor(() => expect(result.current.user?.email).toBe(email));
    const user = await roster.t.db
      .selectFrom('users')
      .select('id')
      .where('email', '=', email)
      .executeTakeFirstOrThrow();
    expect(result.current.user?.id).toBe(user.id);

    act(() => result.current.signOut());
    await waitFor(() => expect(result.current.user).toBeNull());
    const sessions = await roster.t.db
      .selectFrom('sessions')
      .select('revoked_at')
      .where('user_id', '=', user.id)
      .execute();
    expect(sessions).toHaveLength(1);
    expect(sessions[0]!.revoked_at).not.toBeNull();

    act(() => result.current.signIn({ email, password: 'wrong password, surely' }));
    await waitFor(() => expect(result.current.reason).toBe('INVALID_CREDENTIALS'));
    expect(result.current.user).toBeNull();
    const sessionsOf = () =>
      roster.t.db
        .selectFrom('sessions')
        .select('revoked_at')
        .where('user_id', '=', user.id)
        .orderBy('created_at')
        .execute();
    // A refused sign-in opens no session.
    expect(await sessionsOf()).toHaveLength(1);

    act(() => result.current.signIn({ email, password }));
    await waitFor(() => expect(result.current.user?.id).toBe(user.id));
    expect(result.current.reason).toBeNull();
    const afterSignIn = await sessionsOf();
    expect(afterSignIn).toHaveLength(2);
    expect(afterSignIn[1]!.revoked_at).toBeNull();
  });

  it('a sign-out reaches every useSession below the provider, not only the one that signed out', async () => {
    const user = await signUp(roster);
    const seen: Seen = {};
    // Two components, as in an app: the one with the button re-renders on its action, the other does not.
    render(
      <>
        <SessionProbe seen={seen} as="actions" />
        <SessionProbe seen={seen} as="header" />
      </>,
      { wrapper: wrapperFor(roster, user).wrapper },
    );
    await waitFor(() => expect(seen.header?.user?.id).toBe(user.id));
    act(() => seen.actions!.signOut());
    await waitFor(() => expect(seen.actions?.user).toBeNull());
    await waitFor(() => expect(seen.header?.user).toBeNull());
    const sessions = await roster.t.db
      .selectFrom('sessions')
      .select('revoked_at')
      .where('user_id', '=', user.id)
      .execute();
    expect(sessions).toHaveLength(1);
    expect(sessions[0]!.revoked_at).not.toBeNull();
  });

  it('accepting an invitation adds the organization to useOrganizations', async () => {
    const user = await signUp(roster);
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
    const { wrapper } = wrapperFor(roster, user);
    const { result } = renderHook(
      () => ({
        invitations: useMyInvitations(),
        organizations: useOrganizations(),
        accept: useAcceptInvitation(),
      }),
      { wrapper },
    );
    await waitFor(() => expect(result.current.invitations.data).toHaveLength(1));
    expect(result.current.organizations.data).toEqual([]);

    act(() => result.current.accept.mutate({ invitationId: invitation.id }));
    await waitFor(() => expect(result.current.organizations.data).toHaveLength(1));
    expect(result.current.organizations.data![0]).toMatchObject({ id: organization.id, role: 'member' });
    await waitFor(() => expect(result.current.invitations.data).toHaveLength(0));
    const membership = await roster.t.db
      .selectFrom('memberships')
      .select(['status', 'role'])
      .where('organization_id', '=', organization.id)
      .where('user_id', '=', user.id)
      .executeTakeFirstOrThrow();
    expect(membership).toEqual({ status: 'active', role: 'member' });
    const accepted = await roster.t.db
      .selectFrom('invitations')
      .select('status')
      .where('id', '=', invitation.id)
      .executeTakeFirstOrThrow();
    expect(accepted.status).toBe('accepted');
  });
});
