import { describe, expect, it } from 'vitest';
import { explainBatch, type OrgModel, type ResolvedOp } from './model';

function org(members: Array<[number, 'owner' | 'admin' | 'member' | 'viewer']>): OrgModel {
  return {
    status: 'active',
    members: new Map(members.map(([user, role]) => [user, { id: `m${user}`, role }])),
    lastMembership: new Map(),
    invitations: new Map(),
    keys: [],
    offer: null,
    audit: {},
    events: {},
  };
}

describe('explainBatch (the model of a concurrent batch)', () => {
  it('yields every distinct state that orders explaining the answers lead to, not just the first', () => {
    // An owner changes one member's role twice at once: both are accepted in either order.
    const before = [
      org([
        [0, 'owner'],
        [1, 'member'],
      ]),
    ];
    const change = (role: 'admin' | 'viewer'): ResolvedOp => ({
      kind: 'updateRole',
      org: 0,
      actor: { type: 'user', user: 0 },
      target: 1,
      role,
      memberId: 'm1',
    });
    const explanations = [
      ...explainBatch(before, [change('admin'), change('viewer')], [{ ok: true }, { ok: true }]),
    ];
    expect(explanations.map((e) => e.orgs[0]!.members.get(1)!.role).sort()).toEqual(['admin', 'viewer']);
    expect(before[0]!.members.get(1)!.role).toBe('member');
  });

  it('yields nothing when no serial order gives the observed answers', () => {
    const before = [org([[0, 'owner']])];
    const leave: ResolvedOp = { kind: 'leave', org: 0, user: 0 };
    expect([...explainBatch(before, [leave], [{ ok: true }])]).toEqual([]);
  });
});
