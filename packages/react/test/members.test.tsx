import { act, renderHook, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { trpc, useInvitations, useMembers, useRemoveMember, useUpdateMemberRole } from '../src';
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

const roster = rosterForFile();

/**
 * A fetch that holds every mutation (POST) until `release()`, so the optimistic state can be seen;
 * after `holdReads()`, it also holds queries (GET) until `releaseReads()`, so what the cache shows
 * right after the answer is the hook's own doing, not a refetch.
 */
function gatedFetch() {
  const opened = () => {
    let open!: () => void;
    const promise = new Promise<void>((resolve) => {
      open = resolve;
    });
    return { promise, open };
  };
  const writes = opened();
  let reads: ReturnType<typeof opened> | null = null;
  const held: string[] = [];
  const fetchThroughGate: typeof fetch = async (input, init) => {
    if (init?.method === 'POST') {
      held.push(String(input));
      await writes.promise;
    } else if (reads) {
      await reads.promise;
    }
    return fetch(input, init);
  };
  return {
    fetch: fetchThroughGate,
    held,
    release: () => writes.open(),
    holdReads: () => {
      reads = opened();
    },
    releaseReads: () => reads?.open(),
  };
}

/**
 * An organization of an owner, an admin and a member (in that order), and a wrapper for the admin
 * whose requests pass through a `gatedFetch`.
 */
async function adminWithHeldWrites() {
  const admin = await signUp(roster);
  const owner = await seedUser(roster);
  const member = await seedUser(roster);
  const organization = await seedOrganization(roster, [
    [owner, 'owner'],
    [admin, 'admin'],
    [member, 'member'],
  ]);
  const gate = gatedFetch();
  const { wrapper } = wrapperFor(roster, admin, { fetch: gate.fetch });
  return { admin, organization, gate, wrapper };
}

describe(`member hooks (${DB_KIND})`, () => {
  it('useMembers pages over the keyset cursor: every member once', async () => {
    const admin = await signUp(roster);
    const others = await Promise.all(Array.from({ length: 4 }, () => seedUser(roster)));
    const organization = await seedOrganization(roster, [
      [admin, 'owner'],
      ...others.map((user) => [user, 'member'] as const),
    ]);
    const { wrapper } = wrapperFor(roster, admin);
    const { result } = renderHook(() => useMembers({ organizationId: organization.id, limit: 2 }), {
      wrapper,
    });
    await waitFor(() => expect(result.current.members).toHaveLength(2));
    while (result.current.hasNextPage) {
      const before = result.current.members.length;
      await act(() => result.current.fetchNextPage());
      await waitFor(() => expect(result.current.members.length).toBeGreaterThan(before));
      if (result.current.members.length >= 5) break;
    }
    expect(result.current.members.map((member) => member.id).sort()).toEqual(
      organization.memberships.map((membership) => membership.id).sort(),
    );
  });

  it('an optimistic removal rolls back when the server refuses, on every cached page', async () => {
    const admin = await signUp(roster);
    const owner = await seedUser(roster);
    const members = await Promise.all(Array.from({ length: 2 }, () => seedUser(roster)));
    // Order: owner, member, member, admin — the owner is on the first page, the admin on the second.
    const organization = await seedOrganization(roster, [
      [owner, 'owner'],
      [members[0]!, 'member'],
      [members[1]!, 'member'],
      [admin, 'admin'],
    ]);
    const ownerMembership = organization.memberships[0]!;
    const gate = gatedFetch();
    const { wrapper } = wrapperFor(roster, admin, { fetch: gate.fetch });
    const { result } = renderHook(
      () => {
        // Two views of the same list, each cached separately: both must change and roll back.
        const paged = useMembers({ organizationId: organization.id, limit: 2 });
        const all = useMembers({ organizationId: organization.id });
        return { paged, all, fetching: paged.isFetching || all.isFetching, remove: useRemoveMember() };
      },
      { wrapper },
    );
    await waitFor(() => expect(result.current.all.members).toHaveLength(4));
    await waitFor(() => expect(result.current.paged.members).toHaveLength(2));
    await act(() => result.current.paged.fetchNextPage());
    await waitFor(() => expect(result.current.paged.members).toHaveLength(4));

    // An admin may not remove an owner: the server will refuse with INSUFFICIENT_ROLE.
    act(() =>
      result.current.remove.mutate({ organizationId: organization.id, memberId: ownerMembership.id }),
    );
    await waitFor(() => expect(gate.held).toHaveLength(1));
    // Optimistic: gone from both cached lists before the server has answered.
    expect(result.current.all.members.map((member) => member.id)).not.toContain(ownerMembership.id);
    expect(result.current.paged.members.map((member) => member.id)).not.toContain(ownerMembership.id);
    expect(result.current.all.members).toHaveLength(3);

    gate.holdReads();
    gate.release();
    await waitFor(() => expect(result.current.remove.reason).toBe('INSUFFICIENT_ROLE'));
    // Rolled back by the hook (the refetch is still held): the owner is back, in its place, in both lists.
    const everyone = organization.memberships.map((membership) => membership.id);
    expect(result.current.all.members.map((member) => member.id)).toEqual(everyone);
    expect(result.current.paged.members.map((member) => member.id)).toEqual(everyone);
    gate.releaseReads();
    await waitFor(() => expect(result.current.fetching).toBe(false));
    expect(result.current.all.members.map((member) => member.id)).toEqual(everyone);
    expect(await membershipRow(roster, ownerMembership.id)).toMatchObject({
      status: 'active',
      role: 'owner',
    });
    expect(await auditOf(roster, organization.id)).toEqual([]);
  });

  it('an optimistic removal the server accepts stays removed, in the lists and in the database', async () => {
    const { admin, organization, gate, wrapper } = await adminWithHeldWrites();
    const target = organization.memberships[2]!;
    const { result } = renderHook(
      () => {
        const list = useMembers({ organizationId: organization.id });
        // The removal revokes the member's API keys there: a cached list of them must refresh too.
        const keys = trpc.apiKeys.list.useQuery({ organizationId: organization.id });
        // Read during render, as a screen showing a spinner would: TanStack Query re-renders only for
        // the properties a render read.
        return {
          list,
          fetching: list.isFetching,
          updatedAt: list.dataUpdatedAt,
          keysUpdatedAt: keys.dataUpdatedAt,
          remove: useRemoveMember(),
        };
      },
      { wrapper },
    );
    await waitFor(() => expect(result.current.list.members).toHaveLength(3));
    act(() => result.current.remove.mutate({ organizationId: organization.id, memberId: target.id }));
    await waitFor(() => expect(gate.held).toHaveLength(1));
    expect(result.current.list.members.map((m) => m.id)).not.toContain(target.id);
    gate.release();
    await waitFor(() => expect(result.current.remove.isSuccess).toBe(true));
    expect(result.current.remove.reason).toBeNull();
    // Refetched after settling (data newer than the request): still without the member.
    const submittedAt = result.current.remove.submittedAt;
    await waitFor(() => {
      expect(result.current.updatedAt).toBeGreaterThan(submittedAt);
      expect(result.current.fetching).toBe(false);
    });
    await waitFor(() => expect(result.current.keysUpdatedAt).toBeGreaterThan(submittedAt));
    expect(result.current.list.members.map((m) => m.id)).toEqual([
      organization.memberships[0]!.id,
      organization.memberships[1]!.id,
    ]);
    expect(await membershipRow(roster, target.id)).toMatchObject({
      status: 'removed',
      removal_reason: 'removed',
      removed_by: admin.id,
    });
    expect(await auditOf(roster, organization.id)).toEqual([
      { action: 'member.removed', actor_user_id: admin.id, target_user_id: target.userId },
    ]);
  });

  it('useUpdateMemberRole: applied at once, rolled back on a refusal', async () => {
    const { organization, gate, wrapper } = await adminWithHeldWrites();
    const { result } = renderHook(
      () => {
        const list = useMembers({ organizationId: organization.id });
        const invitations = useInvitations(organization.id);
        return {
          list,
          fetching: list.isFetching,
          updatedAt: list.dataUpdatedAt,
          invitationsUpdatedAt: invitations.dataUpdatedAt,
          updateRole: useUpdateMemberRole(),
        };
      },
      { wrapper },
    );
    await waitFor(() => expect(result.current.list.members).toHaveLength(3));
    await waitFor(() => expect(result.current.invitationsUpdatedAt).toBeGreaterThan(0));
    const invitationsFetchedAt = result.current.invitationsUpdatedAt;
    const target = organization.memberships[2]!;

    // Allowed: an admin turns a member into a viewer; shown before the server has answered.
    act(() =>
      result.current.updateRole.mutate({
        organizationId: organization.id,
        memberId: target.id,
        role: 'viewer',
      }),
    );
    await waitFor(() => expect(gate.held).toHaveLength(1));
    expect(result.current.list.members.find((m) => m.id === target.id)?.role).toBe('viewer');
    gate.release();
    await waitFor(() => expect(result.current.updateRole.isSuccess).toBe(true));
    await waitFor(() =>
      expect(result.current.list.members.find((m) => m.id === target.id)?.role).toBe('viewer'),
    );
    expect(await membershipRow(roster, target.id)).toMatchObject({ role: 'viewer' });
    // The lists refresh after it, but not the invitations, which a role change does not touch.
    const submittedAt = result.current.updateRole.submittedAt;
    await waitFor(() => {
      expect(result.current.updatedAt).toBeGreaterThan(submittedAt);
      expect(result.current.fetching).toBe(false);
    });
    expect(result.current.invitationsUpdatedAt).toBe(invitationsFetchedAt);

    // Refused: an admin may not make anyone an owner. Refetches are held, so only the hook's own
    // rollback can put the role back.
    gate.holdReads();
    act(() =>
      result.current.updateRole.mutate({
        organizationId: organization.id,
        memberId: target.id,
        role: 'owner',
      }),
    );
    await waitFor(() => expect(result.current.updateRole.reason).toBe('INSUFFICIENT_ROLE'));
    expect(result.current.list.members.find((m) => m.id === target.id)?.role).toBe('viewer');
    gate.releaseReads();
    expect(await membershipRow(roster, target.id)).toMatchObject({ role: 'viewer', status: 'active' });
  });
});
