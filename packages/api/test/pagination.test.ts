import { createTestDatabase, type TestDatabase } from '@roster/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, callerFor, createOrganization, createUser, type TestMember } from './factories';
import { reasonOfRefusal } from './state';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.destroy();
});

describe('members.list pagination', () => {
  it('returns every member exactly once across pages while members leave between page requests', async () => {
    const organization = await createOrganization(t.db);
    const members: TestMember[] = [];
    for (let i = 0; i < 30; i++)
      members.push(await addMember(t.db, organization.id, i % 3 ? 'member' : 'viewer'));
    // Twenty more joined in one statement share one created_at: the id breaks the tie.
    const users = await Promise.all(Array.from({ length: 20 }, () => createUser(t.db)));
    await t.db
      .insertInto('memberships')
      .values(
        users.map((u) => ({ organization_id: organization.id, user_id: u.id, role: 'member' as const })),
      )
      .execute();

    const owner = callerFor(t.db, organization.owner.user);
    const seen: string[] = [];
    const left = new Set<string>();
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Awaited<ReturnType<typeof owner.members.list>> = await owner.members.list({
        organizationId: organization.id,
        limit: 7,
        cursor,
      });
      expect(page.items.length).toBeLessThanOrEqual(7);
      // Nobody who had left before this page was requested is on it.
      expect(page.items.filter((i) => left.has(i.id))).toEqual([]);
      seen.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor;
      pages++;
      // Between pages: one member already seen and one not yet seen leave.
      const seenMember = members.find((m) => seen.includes(m.membership.id) && !left.has(m.membership.id));
      const unseenMember = members.find((m) => !seen.includes(m.membership.id) && !left.has(m.membership.id));
      for (const m of [seenMember, unseenMember]) {
        if (!m) continue;
        await callerFor(t.db, m.user).members.leave({ organizationId: organization.id });
        left.add(m.membership.id);
      }
    } while (cursor);

    expect(pages).toBeGreaterThan(3);
    expect(new Set(seen).size).toBe(seen.length);
    const active = await t.db
      .selectFrom('memberships')
      .select('id')
      .where('organization_id', '=', organization.id)
      .where('status', '=', 'active')
      .execute();
    // Everyone still a member at the end was listed exactly once; nobody who left before their page was listed.
    for (const { id } of active) expect(seen.filter((s) => s === id)).toHaveLength(1);
    for (const id of seen) expect(active.some((a) => a.id === id) || left.has(id)).toBe(true);
  });

  it('defaults to 25, accepts 1..100, refuses 0, 101 and fractions', async () => {
    const organization = await createOrganization(t.db);
    for (let i = 0; i < 26; i++) await addMember(t.db, organization.id, 'viewer');
    const owner = callerFor(t.db, organization.owner.user);
    const first = await owner.members.list({ organizationId: organization.id });
    expect(first.items).toHaveLength(25);
    expect(first.nextCursor).not.toBeNull();
    const rest = await owner.members.list({ organizationId: organization.id, cursor: first.nextCursor });
    expect(rest.items).toHaveLength(2);
    expect(rest.nextCursor).toBeNull();
    expect((await owner.members.list({ organizationId: organization.id, limit: 100 })).items).toHaveLength(
      27,
    );
    expect((await owner.members.list({ organizationId: organization.id, limit: 1 })).items).toHaveLength(1);
    for (const limit of [0, 101, 1.5, -1]) {
      expect(await reasonOfRefusal(owner.members.list({ organizationId: organization.id, limit }))).toBe(
        'VALIDATION_FAILED',
      );
    }
    expect(
      await reasonOfRefusal(owner.members.list({ organizationId: organization.id, cursor: 'not-a-cursor' })),
    ).toBe('VALIDATION_FAILED');
  });

  // Found by an adversarial review: a cursor of the right shape whose timestamp does not exist reached
  // the database, which refused it, and the call answered 500.
  it('refuses crafted cursors (impossible dates and times, wrong shapes) with VALIDATION_FAILED, for both lists', async () => {
    const organization = await createOrganization(t.db);
    await addMember(t.db, organization.id, 'viewer');
    const owner = callerFor(t.db, organization.owner.user);
    const id = '00000000-0000-4000-8000-000000000000';
    const crafted = (at: unknown, cursorId: unknown = id) =>
      Buffer.from(JSON.stringify({ at, id: cursorId })).toString('base64url');
    const bad = [
      crafted('2026-02-30T00:00:00.000000Z'),
      crafted('2025-02-29T00:00:00.000000Z'),
      crafted('2026-13-01T00:00:00.000000Z'),
      crafted('2026-00-10T00:00:00.000000Z'),
      crafted('2026-04-31T00:00:00.000000Z'),
      crafted('2026-01-01T24:00:00.000000Z'),
      crafted('2026-01-01T23:60:00.000000Z'),
      crafted('2026-01-01T23:59:60.000000Z'),
      crafted('0000-01-01T00:00:00.000000Z'),
      crafted('2026-01-01T00:00:00.000000Z', 'not-a-uuid'),
      crafted(12),
      Buffer.from('[1,2]').toString('base64url'),
      Buffer.from('{"at":"2026-01-01T00:00:00.000000Z"}').toString('base64url'),
    ];
    for (const cursor of bad) {
      for (const list of [owner.members.list, owner.auditLog.list]) {
        expect(await reasonOfRefusal(list({ organizationId: organization.id, cursor })), cursor).toBe(
          'VALIDATION_FAILED',
        );
      }
    }
    // A well-formed cursor of a real date (a leap day) is read, and pages past it.
    const leapDay = crafted('2024-02-29T12:00:00.000000Z');
    const members = await owner.members.list({ organizationId: organization.id, cursor: leapDay });
    // Both memberships are after the cursor. Their order is (created_at, id): two rows inserted within the same
    // tick of the database's clock tie on created_at and are ordered by their random ids.
    expect(members.items.map((m) => m.role).sort()).toEqual(['owner', 'viewer']);
    const audit = await owner.auditLog.list({ organizationId: organization.id, cursor: leapDay });
    expect(audit.items).toEqual([]);
  });
});

describe('auditLog.list pagination', () => {
  it('pages through every entry once, newest first', async () => {
    const organization = await createOrganization(t.db);
    const owner = callerFor(t.db, organization.owner.user);
    for (let i = 0; i < 12; i++) {
      const m = await addMember(t.db, organization.id, 'member');
      await owner.members.updateRole({
        organizationId: organization.id,
        memberId: m.membership.id,
        role: 'viewer',
      });
    }
    const all = await t.db
      .selectFrom('audit_log')
      .select('id')
      .where('organization_id', '=', organization.id)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
    // One member.role_changed entry per change: otherwise the comparison below would hold trivially.
    expect(all).toHaveLength(12);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof owner.auditLog.list>> = await owner.auditLog.list({
        organizationId: organization.id,
        limit: 5,
        cursor,
      });
      seen.push(...page.items.map((i) => i.id));
      for (const item of page.items) {
        expect(item).toMatchObject({ action: expect.any(String), actor: { type: expect.any(String) } });
      }
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all.map((a) => a.id));
  });
});
