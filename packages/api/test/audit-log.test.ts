import { createTestDatabase, type TestDatabase } from '@roster/db/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCursor } from '../src/pagination';
import { addMember, callerFor, createApiKeyRow, createOrganization, createUser } from './factories';
import { reasonOfRefusal } from './state';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.destroy();
});

type Filters = {
  action?: string;
  actorUserId?: string;
  actorApiKeyId?: string;
  targetUserId?: string;
  from?: string;
  to?: string;
};

/** Every page of auditLog.list with `filters`, followed to the end with small pages. */
async function listAll(api: ReturnType<typeof callerFor>, organizationId: string, filters: Filters) {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const page: Awaited<ReturnType<typeof api.auditLog.list>> = await api.auditLog.list({
      organizationId,
      ...filters,
      limit: 3,
      cursor,
    });
    ids.push(...page.items.map((item) => item.id));
    cursor = page.nextCursor;
  } while (cursor);
  return ids;
}

/** The ids the database holds for these filters, newest first: what the list must answer. */
async function expectedIds(organizationId: string, f: Filters) {
  let q = t.db.selectFrom('audit_log').select('id').where('organization_id', '=', organizationId);
  if (f.action) q = q.where('action', '=', f.action);
  if (f.actorUserId) q = q.where('actor_user_id', '=', f.actorUserId);
  if (f.actorApiKeyId) q = q.where('actor_api_key_id', '=', f.actorApiKeyId);
  if (f.targetUserId) q = q.where('target_user_id', '=', f.targetUserId);
  if (f.from) q = q.where('created_at', '>=', new Date(f.from));
  if (f.to) q = q.where('created_at', '<', new Date(f.to));
  const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
  return rows.map((r) => r.id);
}

describe('auditLog.list filters', () => {
  it('filters by action, actor (person or key), target and date range, alone and combined, agreeing with the database across pages', async () => {
    const organization = await createOrganization(t.db);
    const owner = callerFor(t.db, organization.owner.user);
    const admin = await addMember(t.db, organization.id, 'admin');
    const members = [];
    for (let i = 0; i < 4; i++)
      members.push(await addMember(t.db, organization.id, i % 2 ? 'viewer' : 'member'));
    const key = await createApiKeyRow(t.db, {
      organizationId: organization.id,
      createdBy: organization.owner.user.id,
    });
    // Real changes write the audit rows: removals by the owner, the admin and the key, role changes, invitations.
    await owner.members.remove({ organizationId: organization.id, memberId: members[0]!.membership.id });
    await callerFor(t.db, admin.user).members.remove({
      organizationId: organization.id,
      memberId: members[1]!.membership.id,
    });
    await callerFor(t.db, key).members.updateRole({
      organizationId: organization.id,
      memberId: members[2]!.membership.id,
      role: 'viewer',
    });
    await callerFor(t.db, key).members.remove({
      organizationId: organization.id,
      memberId: members[2]!.membership.id,
    });
    await owner.members.updateRole({
      organizationId: organization.id,
      memberId: members[3]!.membership.id,
      role: 'viewer',
    });
    await callerFor(t.db, admin.user).invitations.create({
      organizationId: organization.id,
      email: 'x@example.test',
      role: 'member',
    });
    await callerFor(t.db, members[3]!.user).members.leave({ organizationId: organization.id });
    // Spread the rows over days, so date ranges cut between them (and two share one instant: the id breaks the tie).
    await sql`
      update audit_log set created_at = timestamptz '2026-01-01T00:00:00Z' + (n.rn / 2) * interval '1 day'
      from (select id, row_number() over (order by created_at, id) as rn from audit_log where organization_id = ${organization.id}) n
      where audit_log.id = n.id`.execute(t.db);
    // Another organization's entries never show up.
    const other = await createOrganization(t.db, { owner: organization.owner.user });
    await callerFor(t.db, organization.owner.user).members.remove({
      organizationId: other.id,
      memberId: (await addMember(t.db, other.id, 'member', members[0]!.user)).membership.id,
    });

    const cases: Filters[] = [
      {},
      { action: 'member.removed' },
      { action: 'member.role_changed' },
      { action: 'member.left' },
      { action: 'nothing.like_this' },
      { actorUserId: organization.owner.user.id },
      { actorUserId: admin.user.id },
      { actorApiKeyId: key.id },
      { targetUserId: members[2]!.user.id },
      { targetUserId: members[3]!.user.id },
      { from: '2026-01-02T00:00:00Z' },
      { to: '2026-01-03T00:00:00Z' },
      { from: '2026-01-02T00:00:00Z', to: '2026-01-04T00:00:00+00:00' },
      { from: '2026-01-02T01:00:00+01:00', to: '2026-01-03T00:00:00Z' },
      { action: 'member.removed', actorApiKeyId: key.id },
      { action: 'member.removed', actorUserId: admin.user.id, targetUserId: members[1]!.user.id },
      { action: 'member.removed', from: '2026-01-02T00:00:00Z', to: '2026-01-05T00:00:00Z' },
    ];
    const viewer = callerFor(t.db, (await addMember(t.db, organization.id, 'viewer')).user);
    for (const filters of cases) {
      const expected = await expectedIds(organization.id, filters);
      expect(await listAll(owner, organization.id, filters), JSON.stringify(filters)).toEqual(expected);
      expect(await listAll(viewer, organization.id, filters)).toEqual(expected);
    }
    // The filters are not all empty: each one found something, and narrowed the log.
    const all = await expectedIds(organization.id, {});
    expect((await expectedIds(organization.id, { action: 'member.removed' })).length).toBe(3);
    expect((await expectedIds(organization.id, { actorApiKeyId: key.id })).length).toBe(2);
    expect(
      (await expectedIds(organization.id, { from: '2026-01-02T00:00:00Z', to: '2026-01-04T00:00:00Z' }))
        .length,
    ).toBeLessThan(all.length);

    // One removal, by its action and target, with the sentence's facts.
    const [removal] = (
      await owner.auditLog.list({
        organizationId: organization.id,
        action: 'member.removed',
        targetUserId: members[1]!.user.id,
      })
    ).items;
    expect(removal).toMatchObject({
      action: 'member.removed',
      actor: { type: 'user', userId: admin.user.id, name: admin.user.name },
      target: { userId: members[1]!.user.id, name: members[1]!.user.name },
      metadata: { role: 'viewer' },
    });
  });

  it('refuses bad filters and crafted cursors with VALIDATION_FAILED (400), never an internal error', async () => {
    const organization = await createOrganization(t.db);
    const api = callerFor(t.db, organization.owner.user);
    const organizationId = organization.id;
    for (const input of [
      { organizationId, action: 'DROP TABLE' },
      { organizationId, action: 'x'.repeat(65) },
      { organizationId, actorUserId: 'not-an-id' },
      { organizationId, from: 'yesterday' },
      { organizationId, from: '2026-01-02' },
      { organizationId, to: '2026-13-45T00:00:00Z' },
      { organizationId, from: '2026-01-03T00:00:00Z', to: '2026-01-02T00:00:00Z' },
      { organizationId, from: '2026-01-02T00:00:00Z', to: '2026-01-02T00:00:00Z' },
      { organizationId, unknown: 1 },
      { organizationId, cursor: encodeCursor({ at: '2026-13-45T99:99:99.000000Z', id: organization.id }) },
      { organizationId, cursor: encodeCursor({ at: '2026-02-30T00:00:00.000000Z', id: organization.id }) },
      { organizationId, cursor: encodeCursor({ at: '2026-01-01T24:00:00.000000Z', id: organization.id }) },
      { organizationId, cursor: Buffer.from('{"at":1,"id":[]}').toString('base64url') },
      { organizationId, cursor: 'not-a-cursor' },
    ]) {
      expect(await reasonOfRefusal(api.auditLog.list(input as never)), JSON.stringify(input)).toBe(
        'VALIDATION_FAILED',
      );
    }
  });

  it('keeps its guard: members and outsiders are refused, keys need audit:read', async () => {
    const organization = await createOrganization(t.db);
    const member = await addMember(t.db, organization.id, 'member');
    const outsider = await createUser(t.db);
    const reader = await createApiKeyRow(t.db, {
      organizationId: organization.id,
      createdBy: organization.owner.user.id,
      scopes: ['audit:read'],
    });
    const writer = await createApiKeyRow(t.db, {
      organizationId: organization.id,
      createdBy: organization.owner.user.id,
      scopes: ['members:write'],
    });
    const input = { organizationId: organization.id, action: 'organization.created' };
    expect(await reasonOfRefusal(callerFor(t.db, member.user).auditLog.list(input))).toBe(
      'INSUFFICIENT_ROLE',
    );
    expect(await reasonOfRefusal(callerFor(t.db, outsider).auditLog.list(input))).toBe(
      'ORGANIZATION_NOT_FOUND',
    );
    expect(await reasonOfRefusal(callerFor(t.db, writer).auditLog.list(input))).toBe('INSUFFICIENT_SCOPE');
    expect((await callerFor(t.db, reader).auditLog.list(input)).items).toEqual(
      (await expectedIds(organization.id, { action: 'organization.created' })).map((id) =>
        expect.objectContaining({ id }),
      ),
    );
  });

  it('has an index for each filter', async () => {
    const { rows } = await sql<{ indexname: string }>`
      select indexname from pg_indexes where tablename = 'audit_log' order by indexname`.execute(t.db);
    expect(rows.map((r) => r.indexname)).toEqual(
      expect.arrayContaining([
        'audit_log_org_action_keyset_idx',
        'audit_log_org_actor_key_keyset_idx',
        'audit_log_org_actor_user_keyset_idx',
        'audit_log_org_keyset_idx',
        'audit_log_org_target_keyset_idx',
      ]),
    );
  });
});
