import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from '../src/pagination';
import {
  canChangeRole,
  canManageInvitation,
  canRemoveMember,
  endMembershipRefusal,
  isInvitationExpired,
  leavesNoOwner,
  roleChangeRefusal,
  transferRefusal,
} from '../src/rules';

const owner = { type: 'user', role: 'owner' } as const;
const admin = { type: 'user', role: 'admin' } as const;
const member = { type: 'user', role: 'member' } as const;
const viewer = { type: 'user', role: 'viewer' } as const;
const key = { type: 'apiKey' } as const;

describe('who may remove whom', () => {
  it('owners remove anyone; admins and keys members and viewers; members and viewers nobody', () => {
    for (const target of ['owner', 'admin', 'member', 'viewer'] as const) {
      expect(canRemoveMember(owner, target)).toBe(true);
      expect(canRemoveMember(admin, target)).toBe(target === 'member' || target === 'viewer');
      expect(canRemoveMember(key, target)).toBe(target === 'member' || target === 'viewer');
      expect(canRemoveMember(member, target)).toBe(false);
      expect(canRemoveMember(viewer, target)).toBe(false);
    }
  });
});

describe('role changes and invitations', () => {
  it('owners change any role; admins only between member and viewer', () => {
    expect(canChangeRole(owner, 'owner', 'viewer')).toBe(true);
    expect(canChangeRole(admin, 'member', 'viewer')).toBe(true);
    expect(canChangeRole(admin, 'viewer', 'member')).toBe(true);
    expect(canChangeRole(admin, 'member', 'admin')).toBe(false);
    expect(canChangeRole(admin, 'admin', 'member')).toBe(false);
    expect(canChangeRole(key, 'viewer', 'member')).toBe(true);
    expect(canChangeRole(key, 'viewer', 'owner')).toBe(false);
    expect(canChangeRole(member, 'viewer', 'member')).toBe(false);
  });

  it('admins may not invite owners or admins', () => {
    expect(canManageInvitation(owner, 'owner')).toBe(true);
    expect(canManageInvitation(admin, 'owner')).toBe(false);
    expect(canManageInvitation(admin, 'admin')).toBe(false);
    expect(canManageInvitation(admin, 'viewer')).toBe(true);
    expect(canManageInvitation(viewer, 'viewer')).toBe(false);
  });
});

describe('the last owner', () => {
  it('counts only when an owner stops being one', () => {
    expect(leavesNoOwner('owner', null, 1)).toBe(true);
    expect(leavesNoOwner('owner', 'admin', 1)).toBe(true);
    expect(leavesNoOwner('owner', 'owner', 1)).toBe(false);
    expect(leavesNoOwner('owner', null, 2)).toBe(false);
    expect(leavesNoOwner('admin', null, 1)).toBe(false);
    // Inconsistent input (no owners counted) must still refuse rather than let it through.
    expect(leavesNoOwner('owner', null, 0)).toBe(true);
  });
});

describe('endMembershipRefusal', () => {
  const base = {
    kind: 'remove' as const,
    organizationStatus: 'active' as const,
    actor: { type: 'user' as const, role: 'owner' as const },
    target: { role: 'member' as const, isActor: false },
    activeOwnerCount: 1,
  };
  it('allows the ordinary cases', () => {
    expect(endMembershipRefusal(base)).toBeNull();
    expect(
      endMembershipRefusal({ ...base, kind: 'leave', target: { role: 'viewer', isActor: true } }),
    ).toBeNull();
    expect(
      endMembershipRefusal({ ...base, target: { role: 'owner', isActor: false }, activeOwnerCount: 2 }),
    ).toBeNull();
  });
  it('refuses with the reason that applies, in order', () => {
    expect(endMembershipRefusal({ ...base, actor: { type: 'user', role: null } })).toBe(
      'ORGANIZATION_NOT_FOUND',
    );
    expect(endMembershipRefusal({ ...base, target: null })).toBe('MEMBER_NOT_FOUND');
    expect(endMembershipRefusal({ ...base, kind: 'leave', target: null })).toBe('ORGANIZATION_NOT_FOUND');
    // While scheduled for deletion nobody leaves, but removing someone else still works.
    expect(
      endMembershipRefusal({
        ...base,
        kind: 'leave',
        organizationStatus: 'deletion_scheduled',
        target: { role: 'member', isActor: true },
      }),
    ).toBe('ORGANIZATION_DELETION_SCHEDULED');
    expect(endMembershipRefusal({ ...base, organizationStatus: 'deletion_scheduled' })).toBe(
      endMembershipRefusal({ ...base, organizationStatus: 'active' }),
    );
    expect(
      endMembershipRefusal({
        ...base,
        actor: { type: 'user', role: 'admin' },
        target: { role: 'admin', isActor: false },
      }),
    ).toBe('INSUFFICIENT_ROLE');
    expect(endMembershipRefusal({ ...base, kind: 'leave', target: { role: 'owner', isActor: true } })).toBe(
      'AT_LEAST_ONE_OWNER_REQUIRED',
    );
  });
  it('lets a member of any role end their own membership', () => {
    for (const role of ['owner', 'admin', 'member', 'viewer'] as const) {
      expect(
        endMembershipRefusal({
          ...base,
          actor: { type: 'user', role },
          target: { role, isActor: true },
          activeOwnerCount: 2,
        }),
      ).toBeNull();
    }
  });
});

describe('roleChangeRefusal and transferRefusal', () => {
  it('refuse demoting the last owner, and transfers by non-owners or to nobody', () => {
    const facts = {
      organizationStatus: 'active' as const,
      actor: { type: 'user' as const, role: 'owner' as const },
      target: { role: 'owner' as const },
      nextRole: 'admin' as const,
      activeOwnerCount: 1,
    };
    expect(roleChangeRefusal(facts)).toBe('AT_LEAST_ONE_OWNER_REQUIRED');
    expect(roleChangeRefusal({ ...facts, activeOwnerCount: 2 })).toBeNull();
    expect(roleChangeRefusal({ ...facts, target: null })).toBe('MEMBER_NOT_FOUND');
    expect(
      transferRefusal({
        organizationStatus: 'active',
        actorRole: 'admin',
        target: { role: 'member', isActor: false },
      }),
    ).toBe('INSUFFICIENT_ROLE');
    expect(
      transferRefusal({
        organizationStatus: 'active',
        actorRole: 'owner',
        target: { role: 'owner', isActor: true },
      }),
    ).toBe('MEMBER_NOT_FOUND');
    expect(
      transferRefusal({
        organizationStatus: 'active',
        actorRole: 'owner',
        target: { role: 'member', isActor: false },
      }),
    ).toBeNull();
  });
});

describe('invitation expiry and cursors', () => {
  it('expires at the instant', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    expect(isInvitationExpired(new Date('2026-01-01T00:00:00Z'), now)).toBe(true);
    expect(isInvitationExpired(new Date('2026-01-01T00:00:01Z'), now)).toBe(false);
  });
  it('round-trips cursors and refuses forged ones', () => {
    const position = { at: '2026-11-24T13:51:59.337123Z', id: '843b844c-6c08-4a58-901c-8f09a8755996' };
    expect(decodeCursor(encodeCursor(position))).toEqual(position);
    for (const bad of [
      'x',
      Buffer.from('{"at":1}').toString('base64url'),
      Buffer.from('[]').toString('base64url'),
    ]) {
      expect(() => decodeCursor(bad)).toThrowError(expect.objectContaining({ reason: 'VALIDATION_FAILED' }));
    }
  });
});
