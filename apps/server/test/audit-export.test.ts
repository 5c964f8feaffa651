import { parse } from 'csv-parse/sync';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createKey, DB_KIND, mutate, seedOrganization, signUp, useIdentityServer } from './identity/helpers';

const s = useIdentityServer();

/** An organization with an owner, an admin, a member and a viewer (signed in), and a log of real changes. */
async function organizationWithLog() {
  const owner = await signUp(s.base, 'owner');
  const admin = await signUp(s.base, 'admin');
  const member = await signUp(s.base, 'member');
  const viewer = await signUp(s.base, 'viewer');
  const leaver = await signUp(s.base, 'leaver');
  const removed = [await signUp(s.base, 'removed-a'), await signUp(s.base, 'removed-b')];
  const org = await seedOrganization(s.db, [
    { userId: owner.user.id, role: 'owner' },
    { userId: admin.user.id, role: 'admin' },
    { userId: member.user.id, role: 'member' },
    { userId: viewer.user.id, role: 'viewer' },
    { userId: leaver.user.id, role: 'member' },
    ...removed.map((r) => ({ userId: r.user.id, role: 'member' as const })),
  ]);
  for (const r of removed) {
    const res = await mutate(
      s.base,
      'members.remove',
      { organizationId: org.id, memberId: org.memberships[r.user.id] },
      { cookie: admin.cookie },
    );
    expect(res.status).toBe(200);
  }
  await mutate(s.base, 'members.leave', { organizationId: org.id }, { cookie: leaver.cookie });
  await mutate(
    s.base,
    'invitations.create',
    { organizationId: org.id, email: `x-${org.slug}@example.test`, role: 'member' },
    { cookie: owner.cookie },
  );
  // A name a spreadsheet would run as a formula, and one with a comma, a quote and a line break.
  await s.db
    .updateTable('users')
    .set({ name: '=HYPERLINK("http://x")' })
    .where('id', '=', removed[0]!.user.id)
    .execute();
  await s.db
    .updateTable('users')
    .set({ name: 'Quote "Q", Comma\nLine' })
    .where('id', '=', removed[1]!.user.id)
    .execute();
  return { org, owner, admin, member, viewer, removed };
}

function exportUrl(organizationId: string, params: Record<string, string>) {
  return `${s.base}/v1/organizations/${organizationId}/audit-log/export?${new URLSearchParams(params)}`;
}

/** The rows the export must hold for these filters, newest first, as the database has them. */
async function rowsOf(organizationId: string, f: { action?: string; actorUserId?: string; from?: string }) {
  let q = s.db
    .selectFrom('audit_log as a')
    .leftJoin('users as actor', 'actor.id', 'a.actor_user_id')
    .leftJoin('users as target', 'target.id', 'a.target_user_id')
    .select([
      'a.id',
      'a.action',
      'a.created_at',
      'a.actor_user_id',
      'a.target_user_id',
      'a.metadata',
      'actor.name as actor_name',
      'target.name as target_name',
    ])
    .where('a.organization_id', '=', organizationId);
  if (f.action) q = q.where('a.action', '=', f.action);
  if (f.actorUserId) q = q.where('a.actor_user_id', '=', f.actorUserId);
  if (f.from) q = q.where('a.created_at', '>=', new Date(f.from));
  return q.orderBy('a.created_at', 'desc').orderBy('a.id', 'desc').execute();
}

describe(`audit log export over HTTP (${DB_KIND})`, () => {
  it('streams the filtered log as CSV and as JSON Lines, agreeing with the rows in the database', async () => {
    const { org, owner, admin, viewer, removed } = await organizationWithLog();
    for (const filters of [
      {},
      { action: 'member.removed' },
      { actorUserId: admin.user.id },
      { action: 'member.left' },
    ] as Array<Record<string, string>>) {
      const expected = await rowsOf(org.id, filters);
      expect(expected.length).toBeGreaterThan(0);

      const csv = await fetch(exportUrl(org.id, { format: 'csv', ...filters }), {
        headers: { cookie: viewer.cookie },
      });
      expect(csv.status).toBe(200);
      expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(csv.headers.get('content-disposition')).toMatch(
        new RegExp(`^attachment; filename="audit-log-${org.slug}-\\d{4}-\\d{2}-\\d{2}\\.csv"$`),
      );
      const records = parse(await csv.text(), { columns: true }) as Array<Record<string, string>>;
      expect(records.map((r) => r.id)).toEqual(expected.map((e) => e.id));
      for (const [i, row] of expected.entries()) {
        const record = records[i]!;
        expect(record.action).toBe(row.action);
        expect(record.createdAt).toBe(new Date(row.created_at).toISOString());
        expect(record.actorUserId).toBe(row.actor_user_id ?? '');
        expect(record.targetUserId).toBe(row.target_user_id ?? '');
        expect(JSON.parse(record.metadata!)).toEqual(row.metadata);
        // Formula-looking cells are defused with a leading quote; everything else is verbatim.
        const name = row.target_name ?? '';
        expect(record.targetName).toBe(/^[=+\-@\t\r]/.test(name) ? `'${name}` : name);
      }

      const jsonl = await fetch(exportUrl(org.id, { format: 'jsonl', ...filters }), {
        headers: { cookie: owner.cookie },
      });
      expect(jsonl.status).toBe(200);
      expect(jsonl.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
      const text = await jsonl.text();
      expect(text.endsWith('\n')).toBe(true);
      const items = text
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line));
      expect(items.map((item) => item.id)).toEqual(expected.map((e) => e.id));
      for (const [i, row] of expected.entries()) {
        expect(items[i]).toMatchObject({
          action: row.action,
          createdAt: new Date(row.created_at).toISOString(),
          actor: { userId: row.actor_user_id, name: row.actor_name },
          target: { userId: row.target_user_id, name: row.target_name },
          metadata: row.metadata,
        });
      }
    }
    // The tricky names survive the round trip.
    const removals = parse(
      await (
        await fetch(exportUrl(org.id, { format: 'csv', action: 'member.removed' }), {
          headers: { cookie: owner.cookie },
        })
      ).text(),
      { columns: true },
    ) as Array<Record<string, string>>;
    expect(removals.map((r) => r.targetName).sort()).toEqual(
      ['\'=HYPERLINK("http://x")', 'Quote "Q", Comma\nLine'].sort(),
    );
    expect(removed).toHaveLength(2);
  });

  it('exports more rows than one batch, each once, in order', async () => {
    const { org, owner } = await organizationWithLog();
    await sql`
      insert into audit_log (organization_id, action, actor_user_id, created_at, metadata)
      select ${org.id}::uuid, 'bulk.entry', ${owner.user.id}::uuid, timestamptz '2026-01-01' + (n % 7) * interval '1 second', jsonb_build_object('n', n)
      from generate_series(1, 1234) n`.execute(s.db);
    const expected = await rowsOf(org.id, { action: 'bulk.entry' });
    const res = await fetch(exportUrl(org.id, { format: 'jsonl', action: 'bulk.entry' }), {
      headers: { cookie: owner.cookie },
    });
    const ids = (await res.text())
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line).id);
    expect(ids).toHaveLength(1234);
    expect(ids).toEqual(expected.map((e) => e.id));
  });

  it('authorizes like auditLog.list: owners, admins, viewers and audit:read keys; refusals answer with a reason before any byte', async () => {
    const { org, owner, member } = await organizationWithLog();
    const outsider = await signUp(s.base, 'outsider');
    const reader = await createKey(s.base, owner.cookie, org.id, ['audit:read']);
    const writer = await createKey(s.base, owner.cookie, org.id, ['members:write']);
    const get = (params: Record<string, string>, headers: Record<string, string>, organizationId = org.id) =>
      fetch(exportUrl(organizationId, params), { headers });
    // Under /v1 a refusal is an RFC 9457 problem with the reason as `code`.
    const reasonOf = async (res: Response) => {
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      return ((await res.json()) as { code: string }).code;
    };

    const byKey = await get({ format: 'jsonl' }, { authorization: `Bearer ${reader.key}` });
    expect(byKey.status).toBe(200);
    expect((await byKey.text()).trimEnd().split('\n')).toHaveLength((await rowsOf(org.id, {})).length);

    for (const [headers, status, reason] of [
      [{}, 401, 'UNAUTHENTICATED'],
      [{ cookie: member.cookie }, 403, 'INSUFFICIENT_ROLE'],
      [{ cookie: outsider.cookie }, 404, 'ORGANIZATION_NOT_FOUND'],
      [{ authorization: `Bearer ${writer.key}` }, 403, 'INSUFFICIENT_SCOPE'],
      [{ authorization: 'Bearer rst_nonsense' }, 401, 'INVALID_API_KEY'],
    ] as const) {
      const res = await get({ format: 'csv' }, headers);
      expect([res.status, await reasonOf(res)]).toEqual([status, reason]);
    }
    for (const params of [
      { format: 'xml' },
      {},
      { format: 'csv', action: 'DROP TABLE' },
      { format: 'csv', from: 'yesterday' },
      { format: 'csv', from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z' },
      { format: 'csv', surprise: '1' },
    ] as Array<Record<string, string>>) {
      const res = await get(params, { cookie: owner.cookie });
      expect([res.status, await reasonOf(res)], JSON.stringify(params)).toEqual([400, 'VALIDATION_FAILED']);
    }
    const badId = await get({ format: 'csv' }, { cookie: owner.cookie }, 'not-an-id');
    expect([badId.status, await reasonOf(badId)]).toEqual([400, 'VALIDATION_FAILED']);
  });
});
