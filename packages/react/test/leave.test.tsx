import { act, render, renderHook, waitFor } from '@testing-library/react';
import { useState } from 'react';
import { describe, expect, it, vi } from 'vitest';
import {
  canLeave,
  type LeaveResult,
  type Member,
  useLeaveOrganization,
  useMembers,
  useOrganizations,
  usePermissions,
} from '../src';
import {
  auditOf,
  DB_KIND,
  membershipRow,
  rosterForFile,
  seedOrganization,
  seedUser,
  signUp,
  wrapperFor,
} from './harness';

interface Seen {
  organizations?: ReturnType<typeof useOrganizations>;
  permissions?: ReturnType<typeof usePermissions>;
  leave?: ReturnType<typeof useLeaveOrganization>;
  members?: Member[];
}

/** The current organization's members panel, as a product screen would render it. */
function MembersPanel({ organizationId, seen }: { organizationId: string; seen: Seen }) {
  seen.members = useMembers({ organizationId }).members;
  seen.permissions = usePermissions(organizationId);
  return null;
}

/** A screen that moves to the next organization when onLeft says where to go. */
function Screen(props: { initialOrganizationId: string; onLeft: (result: LeaveResult) => void; seen: Seen }) {
  const [current, setCurrent] = useState<string | null>(props.initialOrganizationId);
  props.seen.organizations = useOrganizations();
  props.seen.leave = useLeaveOrganization({
    onLeft: (left) => {
      props.onLeft(left);
      setCurrent(left.nextOrganization?.id ?? null);
    },
  });
  return current ? <MembersPanel key={current} organizationId={current} seen={props.seen} /> : null;
}

const roster = rosterForFile();

describe(`useLeaveOrganization (${DB_KIND})`, () => {
  it('leaves: the organization drops out of the cache, its queries are forgotten, onLeft gets the next organization', async () => {
    const user = await signUp(roster);
    const owner = await seedUser(roster);
    const first = await seedOrganization(roster, [[owner, 'owner']]);
    const leaving = await seedOrganization(roster, [
      [owner, 'owner'],
      [user, 'member'],
    ]);
    const next = await seedOrganization(roster, [[owner, 'owner']]);
    await roster.t.db
      .insertInto('memberships')
      .values([
        {
          organization_id: first.id,
          user_id: user.id,
          role: 'viewer',
          created_at: new Date(Date.now() - 60_000),
        },
        { organization_id: next.id, user_id: user.id, role: 'admin' },
      ])
      .execute();

    const onLeft = vi.fn<(result: LeaveResult) => void>();
    const { wrapper, queryClient } = wrapperFor(roster, user);
    const seen: Seen = {};
    render(<Screen initialOrganizationId={leaving.id} onLeft={onLeft} seen={seen} />, { wrapper });
    const result = { current: seen as Required<Seen> };
    await waitFor(() => expect(result.current.organizations.data).toHaveLength(3));
    await waitFor(() => expect(seen.members).toHaveLength(2));
    const mine = result.current.organizations.data!.find((organization) => organization.id === leaving.id)!;
    expect(mine.role).toBe('member');
    await waitFor(() => expect(result.current.permissions.data).toBeDefined());
    expect(result.current.permissions.canLeave).toBe(true);
    expect(result.current.leave.canLeave(result.current.permissions.data)).toBe(true);

    act(() => result.current.leave.mutate({ organizationId: leaving.id }));
    await waitFor(() => expect(onLeft).toHaveBeenCalledTimes(1));

    expect(onLeft.mock.calls[0]![0].organizationId).toBe(leaving.id);
    const { nextOrganization } = onLeft.mock.calls[0]![0];
    const remaining = [first, next].map(({ id, slug }) => ({ id, slug }));
    expect(remaining).toContainEqual(nextOrganization);
    // The cache already reflects it when onLeft runs: no refetch needed to hide the organization.
    expect(result.current.organizations.data!.map((organization) => organization.id).sort()).toEqual(
      [first.id, next.id].sort(),
    );
    const aboutLeft = queryClient
      .getQueryCache()
      .findAll()
      .filter((query) => JSON.stringify(query.queryKey).includes(leaving.id));
    expect(aboutLeft).toHaveLength(0);
    expect(result.current.leave.reason).toBeNull();

    const row = await membershipRow(roster, leaving.memberships[1]!.id);
    expect(row).toMatchObject({ status: 'removed', removal_reason: 'left' });
    const audit = await auditOf(roster, leaving.id, user.id);
    expect(audit.map((entry) => entry.action)).toEqual(['member.left']);
  });

  it('leaving the last organization reports null: the app sends the user to onboarding', async () => {
    const user = await signUp(roster);
    const owner = await seedUser(roster);
    const only = await seedOrganization(roster, [
      [owner, 'owner'],
      [user, 'admin'],
    ]);
    const onLeft = vi.fn<(result: LeaveResult) => void>();
    const { wrapper } = wrapperFor(roster, user);
    const { result } = renderHook(
      () => ({ organizations: useOrganizations(), leave: useLeaveOrganization({ onLeft }) }),
      { wrapper },
    );
    await waitFor(() => expect(result.current.organizations.data).toHaveLength(1));
    act(() => result.current.leave.mutate({ organizationId: only.id }));
    await waitFor(() => expect(onLeft).toHaveBeenCalledTimes(1));
    expect(onLeft.mock.calls[0]![0].nextOrganization).toBeNull();
    expect(result.current.organizations.data).toEqual([]);
    expect(await membershipRow(roster, only.memberships[1]!.id)).toMatchObject({
      status: 'removed',
      removal_reason: 'left',
      removed_by: user.id,
    });
    expect(await auditOf(roster, only.id)).toEqual([
      { action: 'member.left', actor_user_id: user.id, target_user_id: user.id },
    ]);
  });

  it('a first load of the organizations cancelled by a leave is loaded again, without the organization', async () => {
    const user = await signUp(roster);
    const owner = await seedUser(roster);
    const stays = await seedOrganization(roster, [
      [owner, 'owner'],
      [user, 'viewer'],
    ]);
    const leaving = await seedOrganization(roster, [
      [owner, 'owner'],
      [user, 'member'],
    ]);
    // Holds the first answer to organizations.listMine back from the cache, so the leave lands first.
    let hold = true;
    let answered = false;
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const holdingFetch: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (hold && String(input).includes('organizations.listMine')) {
        answered = true;
        await released;
      }
      return response;
    };
    const { wrapper } = wrapperFor(roster, user, { fetch: holdingFetch });
    const { result } = renderHook(
      () => ({ organizations: useOrganizations(), leave: useLeaveOrganization() }),
      { wrapper },
    );
    await waitFor(() => expect(answered).toBe(true));
    expect(result.current.organizations.data).toBeUndefined();
    act(() => result.current.leave.mutate({ organizationId: leaving.id }));
    await waitFor(() => expect(result.current.leave.isSuccess).toBe(true));
    hold = false;
    release();
    await waitFor(() =>
      expect(result.current.organizations.data?.map((organization) => organization.id)).toEqual([stays.id]),
    );
    expect(await membershipRow(roster, leaving.memberships[1]!.id)).toMatchObject({
      status: 'removed',
      removal_reason: 'left',
    });
    expect(await auditOf(roster, leaving.id)).toEqual([
      { action: 'member.left', actor_user_id: user.id, target_user_id: user.id },
    ]);
  });

  it('a list of organizations answered before the leave but landing after it does not bring the organization back', async () => {
    const user = await signUp(roster);
    const owner = await seedUser(roster);
    const stays = await seedOrganization(roster, [
      [owner, 'owner'],
      [user, 'viewer'],
    ]);
    const leaving = await seedOrganization(roster, [
      [owner, 'owner'],
      [user, 'member'],
    ]);
    // Holds the server's answers to organizations.listMine back from the cache while `hold` is set.
    let hold = false;
    let answered = false;
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const holdingFetch: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (hold && String(input).includes('organizations.listMine')) {
        answered = true;
        await released;
      }
      return response;
    };
    const { wrapper } = wrapperFor(roster, user, { fetch: holdingFetch });
    const { result } = renderHook(
      () => ({ organizations: useOrganizations(), leave: useLeaveOrganization() }),
      { wrapper },
    );
    await waitFor(() => expect(result.current.organizations.data).toHaveLength(2));

    hold = true;
    act(() => void result.current.organizations.refetch());
    // The server has answered (both organizations), but the answer has not reached the cache yet.
    await waitFor(() => expect(answered).toBe(true));
    act(() => result.current.leave.mutate({ organizationId: leaving.id }));
    await waitFor(() => expect(result.current.leave.isSuccess).toBe(true));
    release();
    await waitFor(() => expect(result.current.organizations.isFetching).toBe(false));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(result.current.organizations.data!.map((organization) => organization.id)).toEqual([stays.id]);
    expect(await membershipRow(roster, leaving.memberships[1]!.id)).toMatchObject({
      status: 'removed',
      removal_reason: 'left',
    });
    expect(await auditOf(roster, leaving.id)).toEqual([
      { action: 'member.left', actor_user_id: user.id, target_user_id: user.id },
    ]);
  });

  it("a sole owner's leave surfaces AT_LEAST_ONE_OWNER_REQUIRED and changes nothing", async () => {
    const user = await signUp(roster);
    const other = await seedUser(roster);
    const organization = await seedOrganization(roster, [
      [user, 'owner'],
      [other, 'admin'],
    ]);
    const onLeft = vi.fn();
    const { wrapper } = wrapperFor(roster, user);
    const { result } = renderHook(
      () => ({
        organizations: useOrganizations(),
        permissions: usePermissions(organization.id),
        leave: useLeaveOrganization({ onLeft }),
      }),
      { wrapper },
    );
    await waitFor(() => expect(result.current.organizations.data).toHaveLength(1));
    await waitFor(() => expect(result.current.permissions.data).toBeDefined());
    // The screen can hide the action before the user tries, and say why...
    expect(result.current.leave.canLeave(result.current.permissions.data)).toBe(false);
    expect(result.current.permissions.data!.leave).toEqual({
      allowed: false,
      reason: 'AT_LEAST_ONE_OWNER_REQUIRED',
    });

    // ...and if they try anyway, the server refuses with a typed reason.
    act(() => result.current.leave.mutate({ organizationId: organization.id }));
    await waitFor(() => expect(result.current.leave.reason).toBe('AT_LEAST_ONE_OWNER_REQUIRED'));
    expect(result.current.leave.isError).toBe(true);
    expect(onLeft).not.toHaveBeenCalled();
    expect(result.current.organizations.data!.map((o) => o.id)).toEqual([organization.id]);

    expect(await membershipRow(roster, organization.memberships[0]!.id)).toMatchObject({
      status: 'active',
      role: 'owner',
      removal_reason: null,
    });
    expect(await auditOf(roster, organization.id)).toHaveLength(0);
  });

  it('canLeave: an owner may leave when another active owner remains', async () => {
    const user = await signUp(roster);
    const other = await seedUser(roster);
    const organization = await seedOrganization(roster, [
      [user, 'owner'],
      [other, 'owner'],
    ]);
    const { wrapper } = wrapperFor(roster, user);
    const { result } = renderHook(
      () => ({
        organizations: useOrganizations(),
        permissions: usePermissions(organization.id),
        leave: useLeaveOrganization(),
      }),
      { wrapper },
    );
    await waitFor(() => expect(result.current.organizations.data).toHaveLength(1));
    await waitFor(() => expect(result.current.permissions.data).toBeDefined());
    expect(canLeave(result.current.permissions.data)).toBe(true);
    act(() => result.current.leave.mutate({ organizationId: organization.id }));
    await waitFor(() => expect(result.current.leave.isSuccess).toBe(true));
    expect(await membershipRow(roster, organization.memberships[0]!.id)).toMatchObject({
      status: 'removed',
      removal_reason: 'left',
    });
    expect(await membershipRow(roster, organization.memberships[1]!.id)).toMatchObject({
      status: 'active',
      role: 'owner',
    });
    expect(await auditOf(roster, organization.id)).toEqual([
      { action: 'member.left', actor_user_id: user.id, target_user_id: user.id },
    ]);
  });
});
