import { randomUUID } from 'node:crypto';
import { QueryClient } from '@tanstack/react-query';
import { act, renderHook, waitFor } from '@testing-library/react';
import type { ReactNode } from 'react';
import { describe, expect, it } from 'vitest';
import {
  createRosterTRPCClient,
  RosterProvider,
  useCreateInvitation,
  useInvitations,
  useOrganizations,
  useRevokeInvitation,
  useTransferOwnership,
} from '../src';
import {
  DB_KIND,
  membershipRow,
  rosterForFile,
  seedOrganization,
  seedUser,
  signUp,
  wrapperFor,
} from './harness';

const roster = rosterForFile();

describe(`ownership, invitations, shared clients (${DB_KIND})`, () => {
  it('useTransferOwnership: an admin is refused; the owner hands over and becomes admin', async () => {
    const owner = await signUp(roster);
    const admin = await signUp(roster);
    const member = await seedUser(roster);
    const organization = await seedOrganization(roster, [
      [owner, 'owner'],
      [admin, 'admin'],
      [member, 'member'],
    ]);
    const [ownerMembership, adminMembership, memberMembership] = organization.memberships;

    const asAdmin = renderHook(() => useTransferOwnership(), { wrapper: wrapperFor(roster, admin).wrapper });
    act(() =>
      asAdmin.result.current.mutate({ organizationId: organization.id, memberId: memberMembership!.id }),
    );
    await waitFor(() => expect(asAdmin.result.current.reason).toBe('INSUFFICIENT_ROLE'));
    expect(await membershipRow(roster, memberMembership!.id)).toMatchObject({ role: 'member' });
    expect(await membershipRow(roster, adminMembership!.id)).toMatchObject({ role: 'admin' });

    const asOwner = renderHook(
      () => ({ organizations: useOrganizations(), transfer: useTransferOwnership() }),
      {
        wrapper: wrapperFor(roster, owner).wrapper,
      },
    );
    await waitFor(() => expect(asOwner.result.current.organizations.data?.[0]?.role).toBe('owner'));
    act(() =>
      asOwner.result.current.transfer.mutate({
        organizationId: organization.id,
        memberId: memberMembership!.id,
      }),
    );
    await waitFor(() => expect(asOwner.result.current.transfer.isSuccess).toBe(true));
    // The caller's role in the cached organizations list follows without a reload.
    await waitFor(() => expect(asOwner.result.current.organizations.data?.[0]?.role).toBe('admin'));
    expect(asOwner.result.current.transfer.reason).toBeNull();
    expect(await membershipRow(roster, memberMembership!.id)).toMatchObject({
      role: 'owner',
      status: 'active',
    });
    expect(await membershipRow(roster, ownerMembership!.id)).toMatchObject({
      role: 'admin',
      status: 'active',
    });
  });

  it('useCreateInvitation / useRevokeInvitation keep useInvitations current; a member may not invite', async () => {
    const owner = await signUp(roster);
    const member = await signUp(roster);
    const organization = await seedOrganization(roster, [
      [owner, 'owner'],
      [member, 'member'],
    ]);
    const email = `i-${randomUUID()}@example.com`;

    const asMember = renderHook(() => useCreateInvitation(), { wrapper: wrapperFor(roster, member).wrapper });
    act(() => asMember.result.current.mutate({ organizationId: organization.id, email, role: 'viewer' }));
    await waitFor(() => expect(asMember.result.current.reason).toBe('INSUFFICIENT_ROLE'));

    const { result } = renderHook(
      () => ({
        invitations: useInvitations(organization.id),
        invite: useCreateInvitation(),
        revoke: useRevokeInvitation(),
      }),
      { wrapper: wrapperFor(roster, owner).wrapper },
    );
    await waitFor(() => expect(result.current.invitations.data).toEqual([]));
    act(() => result.current.invite.mutate({ organizationId: organization.id, email, role: 'viewer' }));
    await waitFor(() => expect(result.current.invitations.data).toHaveLength(1));
    const invitation = result.current.invitations.data![0]!;
    expect(invitation).toMatchObject({ email, role: 'viewer' });
    const rows = await roster.t.db
      .selectFrom('invitations')
      .select(['id', 'status', 'invited_by'])
      .where('organization_id', '=', organization.id)
      .execute();
    expect(rows).toEqual([{ id: invitation.id, status: 'pending', invited_by: owner.id }]);

    act(() => result.current.revoke.mutate({ invitationId: invitation.id }));
    await waitFor(() => expect(result.current.invitations.data).toEqual([]));
    const revoked = await roster.t.db
      .selectFrom('invitations')
      .select('status')
      .where('id', '=', invitation.id)
      .executeTakeFirstOrThrow();
    expect(revoked.status).toBe('revoked');
  });

  it("RosterProvider shares a product's own QueryClient and tRPC client", async () => {
    const user = await signUp(roster);
    const owner = await seedUser(roster);
    const organization = await seedOrganization(roster, [
      [owner, 'owner'],
      [user, 'viewer'],
    ]);
    const queryClient = new QueryClient();
    const trpcClient = createRosterTRPCClient({
      url: `${roster.url}/`,
      headers: () => ({ cookie: user.cookie, origin: roster.url }),
    });
    const wrapper = ({ children }: { children: ReactNode }) => (
      <RosterProvider queryClient={queryClient} trpcClient={trpcClient}>
        {children}
      </RosterProvider>
    );
    const { result } = renderHook(() => useOrganizations(), { wrapper });
    await waitFor(() => expect(result.current.data).toHaveLength(1));
    // The answer sits in the product's own cache, under tRPC's key.
    expect(queryClient.getQueryData([['organizations', 'listMine'], { type: 'query' }])).toEqual([
      expect.objectContaining({ id: organization.id, role: 'viewer', activeOwnerCount: 1 }),
    ]);
  });
});
