import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  appForFile,
  call,
  hasChromium,
  membershipOf,
  newPage,
  organizationWith,
  RESULTS_DIR,
  signInContext,
  signUpApi,
} from './harness';

/** The names in the members table, in order, once it shows exactly `expected`. */
async function waitForMemberNames(page: Page, expected: string[]): Promise<void> {
  await page.waitForFunction(
    (names) =>
      JSON.stringify(
        [...document.querySelectorAll('tbody tr th')].map((th) =>
          th.textContent?.replace(/\s*\(.*\)\s*$/, '').trim(),
        ),
      ) === JSON.stringify(names),
    expected,
  );
}

describe.skipIf(!hasChromium)('the admin console, in the browser', () => {
  const app = appForFile();

  it('searches members by name or email and filters by role (English, then German)', async () => {
    const owner = await signUpApi(app, 'Olga Owner');
    const ada = await signUpApi(app, 'Ada Lovelace');
    const grace = await signUpApi(app, 'Grace Hopper');
    const alan = await signUpApi(app, 'Alan Turing');
    const organization = await organizationWith(app, owner, 'Search Org', [
      [ada, 'admin'],
      [grace, 'member'],
      [alan, 'viewer'],
    ]);
    const { context, page } = await newPage(app);
    await signInContext(app, context, owner);
    await page.goto(`/app/${organization.slug}/members`);
    await waitForMemberNames(page, ['Olga Owner', 'Ada Lovelace', 'Grace Hopper', 'Alan Turing']);

    const search = page.getByRole('searchbox', { name: 'Search' });
    await search.fill('lovelace');
    await waitForMemberNames(page, ['Ada Lovelace']);
    // By email too (each user's email is unique to this run).
    await search.fill(grace.email.toUpperCase());
    await waitForMemberNames(page, ['Grace Hopper']);
    await search.fill('');
    await page.getByRole('combobox', { name: 'Filter by role' }).selectOption('viewer');
    await waitForMemberNames(page, ['Alan Turing']);
    await search.fill('nobody-matches-this');
    await page.getByText('No member matches.').waitFor();
    await waitForMemberNames(page, []);
    await search.fill('a');
    await waitForMemberNames(page, ['Alan Turing']);
    await page.screenshot({ path: join(RESULTS_DIR, 'members-search.png'), fullPage: true });
    await context.close();

    const german = await newPage(app, 'de-DE');
    await signInContext(app, german.context, owner);
    await german.page.goto(`/app/${organization.slug}/members`);
    await german.page.getByRole('searchbox', { name: 'Suchen' }).fill('hopper');
    await waitForMemberNames(german.page, ['Grace Hopper']);
    await german.page.screenshot({ path: join(RESULTS_DIR, 'members-search-de.png'), fullPage: true });
    await german.context.close();
  });

  it('an admin renames the organization and changes its slug in settings; a member only reads them', async () => {
    const owner = await signUpApi(app, 'Olga Owner');
    const admin = await signUpApi(app, 'Adam Admin');
    const member = await signUpApi(app, 'Mia Member');
    const organization = await organizationWith(app, owner, 'Rename Org', [
      [admin, 'admin'],
      [member, 'member'],
    ]);
    const taken = await organizationWith(app, owner, 'Taken Org');
    const { context, page } = await newPage(app);
    await signInContext(app, context, admin);
    await page.goto(`/app/${organization.slug}/settings`);
    const name = page.getByRole('textbox', { name: 'Name' });
    const slug = page.getByRole('textbox', { name: 'Address (slug)' });
    await name.waitFor();

    // A slug another organization has: refused with its reason, nothing changed.
    await slug.fill(taken.slug);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('This address is taken. Choose another one.').waitFor();
    const row = () =>
      app.t.db
        .selectFrom('organizations')
        .select(['name', 'slug'])
        .where('id', '=', organization.id)
        .executeTakeFirstOrThrow();
    expect(await row()).toEqual({ name: 'Rename Org', slug: organization.slug });

    const newSlug = `renamed-${organization.slug}`;
    await name.fill('Renamed Org');
    await slug.fill(newSlug);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(`**/app/${newSlug}/settings`);
    await page.getByText('Saved: Renamed Org.').waitFor();
    expect(await row()).toEqual({ name: 'Renamed Org', slug: newSlug });
    const audit = await app.t.db
      .selectFrom('audit_log')
      .select(['actor_user_id', 'metadata'])
      .where('organization_id', '=', organization.id)
      .where('action', '=', 'organization.updated')
      .execute();
    expect(audit).toEqual([
      {
        actor_user_id: admin.id,
        metadata: {
          changes: {
            name: { from: 'Rename Org', to: 'Renamed Org' },
            slug: { from: organization.slug, to: newSlug },
          },
        },
      },
    ]);
    await page.screenshot({ path: join(RESULTS_DIR, 'settings-rename.png'), fullPage: true });
    await context.close();

    const asMember = await newPage(app);
    await signInContext(app, asMember.context, member);
    await asMember.page.goto(`/app/${newSlug}/settings`);
    await asMember.page.locator('dd', { hasText: 'Renamed Org' }).waitFor();
    expect(await asMember.page.getByRole('textbox', { name: 'Name' }).count()).toBe(0);
    await asMember.context.close();
  });

  it('an owner creates an API key in settings, copies the secret shown once, uses it over HTTP, revokes it, and it is refused', async () => {
    const owner = await signUpApi(app, 'Olga Owner');
    const organization = await organizationWith(app, owner, 'Keys Org');
    const { context, page } = await newPage(app);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: app.url });
    await signInContext(app, context, owner);
    await page.goto(`/app/${organization.slug}/settings`);
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByRole('heading', { name: 'Create an API key' }).waitFor();
    await page.getByText('No API keys yet.').waitFor();

    await page.getByRole('textbox', { name: 'Name' }).fill('CRM sync');
    await page.getByRole('checkbox', { name: /audit:read/ }).check();
    const tomorrow = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
    await page.getByLabel('Expires on (optional)').fill(tomorrow);
    await page.getByRole('button', { name: 'Create key' }).click();
    const secret = page.getByTestId('new-api-key');
    await secret.waitFor();
    const key = (await secret.textContent()) ?? '';
    expect(key).toMatch(/^rst_[0-9A-Za-z]{32}_[0-9A-Za-z]{6}$/);
    await page.getByRole('button', { name: 'Copy' }).click();
    await page.getByText('Copied.').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(key);
    await page.screenshot({ path: join(RESULTS_DIR, 'api-key-created.png'), fullPage: true });
    await page.getByRole('button', { name: 'Done' }).click();
    await secret.waitFor({ state: 'detached' });
    // The secret is gone from the page; the list shows the key by its prefix, scopes, creator and status.
    expect(await page.content()).not.toContain(key);
    const row = page.getByRole('row', { name: /CRM sync/ });
    await row.waitFor();
    const rowText = (await row.textContent()) ?? '';
    expect(rowText).toContain(key.slice(0, 12));
    expect(rowText).toContain('audit:read, members:read');
    expect(rowText).toContain('Olga Owner');
    expect(rowText).toContain('Active');
    const stored = await app.t.db
      .selectFrom('api_keys')
      .select(['id', 'scopes', 'expires_at', 'revoked_at', 'created_by'])
      .where('organization_id', '=', organization.id)
      .executeTakeFirstOrThrow();
    expect(stored).toMatchObject({
      scopes: ['audit:read', 'members:read'],
      revoked_at: null,
      created_by: owner.id,
    });
    expect(stored.expires_at).not.toBeNull();

    // The key works over HTTP.
    const listMembers = () =>
      fetch(
        `${app.url}/trpc/members.list?input=${encodeURIComponent(JSON.stringify({ organizationId: organization.id }))}`,
        { headers: { authorization: `Bearer ${key}` } },
      );
    const before = await listMembers();
    expect(before.status).toBe(200);

    // Revoke, after a confirmation naming the key.
    await row.getByRole('button', { name: 'Revoke CRM sync' }).click();
    const dialog = page.getByRole('alertdialog', { name: 'Revoke the key “CRM sync”?' });
    await dialog.waitFor();
    await page.screenshot({ path: join(RESULTS_DIR, 'api-key-revoke-dialog.png') });
    await dialog.getByRole('button', { name: 'Revoke CRM sync' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await row.getByText('Revoked').waitFor();
    const after = await listMembers();
    expect(after.status).toBe(401);
    expect(((await after.json()) as { error: { data: { reason: string } } }).error.data.reason).toBe(
      'INVALID_API_KEY',
    );
    expect(
      await app.t.db
        .selectFrom('api_keys')
        .select(['revoked_reason'])
        .where('id', '=', stored.id)
        .executeTakeFirstOrThrow(),
    ).toEqual({ revoked_reason: 'revoked' });
    await page.screenshot({ path: join(RESULTS_DIR, 'api-keys.png'), fullPage: true });
    await context.close();

    // German.
    const german = await newPage(app, 'de-DE');
    await signInContext(app, german.context, owner);
    await german.page.goto(`/app/${organization.slug}/settings/api-keys`);
    await german.page.getByRole('heading', { name: 'API-Schlüssel erstellen' }).waitFor();
    await german.page
      .getByRole('row', { name: /CRM sync/ })
      .getByText('Widerrufen')
      .waitFor();
    await german.page.screenshot({ path: join(RESULTS_DIR, 'api-keys-de.png'), fullPage: true });
    await german.context.close();
  });

  it('a viewer filters the audit log to one removal, reads it as a sentence (English and German) and exports the filtered log', async () => {
    const owner = await signUpApi(app, 'Ada Owner');
    const admin = await signUpApi(app, 'Ben Admin');
    const viewer = await signUpApi(app, 'Vera Viewer');
    const cleo = await signUpApi(app, 'Cleo Member');
    const dan = await signUpApi(app, 'Dan Member');
    const organization = await organizationWith(app, owner, 'Audit Org', [
      [admin, 'admin'],
      [viewer, 'viewer'],
      [cleo, 'member'],
      [dan, 'member'],
    ]);
    // The admin's key is revoked with the admin's removal below: that entry says so.
    await call(
      app,
      'apiKeys.create',
      { organizationId: organization.id, name: 'Ben key', scopes: ['members:read'] },
      admin.cookie,
    );
    const memberId = async (userId: string) => (await membershipOf(app, organization.id, userId)).id;
    await call(
      app,
      'members.remove',
      { organizationId: organization.id, memberId: await memberId(cleo.id) },
      admin.cookie,
    );
    await call(
      app,
      'members.remove',
      { organizationId: organization.id, memberId: await memberId(dan.id) },
      owner.cookie,
    );
    await call(
      app,
      'members.remove',
      { organizationId: organization.id, memberId: await memberId(admin.id) },
      owner.cookie,
    );

    const { context, page } = await newPage(app);
    await signInContext(app, context, viewer);
    await page.goto(`/app/${organization.slug}/members`);
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('heading', { name: 'Audit log' }).waitFor();
    const entries = page.getByTestId('audit-entry');
    await page.getByText('Ada Owner removed Ben Admin (Admin) — 1 API key revoked').waitFor();

    // Filter to one removal: the action, then who removed, then whom.
    await page.getByRole('combobox', { name: 'Action' }).selectOption('member.removed');
    await page.getByRole('combobox', { name: 'By' }).selectOption({ label: 'Ada Owner' });
    await page.getByRole('combobox', { name: 'About' }).selectOption({ label: 'Dan Member' });
    await page.waitForFunction(() => {
      const items = [...document.querySelectorAll('[data-testid="audit-entry"]')];
      return items.length === 1 && items[0]!.textContent?.startsWith('Ada Owner removed Dan Member (Member)');
    });
    expect(await entries.count()).toBe(1);
    const rows = await app.t.db
      .selectFrom('audit_log')
      .select(['id', 'actor_user_id', 'target_user_id'])
      .where('organization_id', '=', organization.id)
      .where('action', '=', 'member.removed')
      .where('target_user_id', '=', dan.id)
      .execute();
    expect(rows).toEqual([{ id: expect.any(String), actor_user_id: owner.id, target_user_id: dan.id }]);
    await page.screenshot({ path: join(RESULTS_DIR, 'audit-log-filtered.png'), fullPage: true });

    // The export button downloads exactly the filtered entries.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Export JSON Lines' }).click(),
    ]);
    const path = await download.path();
    const lines = (await readFile(path, 'utf8'))
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((line) => line.id)).toEqual(rows.map((row) => row.id));
    expect(download.suggestedFilename()).toMatch(new RegExp(`^audit-log-${organization.slug}-.*\\.jsonl$`));
    await context.close();

    const german = await newPage(app, 'de-DE');
    await signInContext(app, german.context, viewer);
    await german.page.goto(`/app/${organization.slug}/audit-log`);
    await german.page.getByRole('combobox', { name: 'Aktion' }).selectOption('member.removed');
    await german.page.getByText('Ben Admin hat Cleo Member (Mitglied) entfernt').waitFor();
    await german.page
      .getByText('Ada Owner hat Ben Admin (Administrator) entfernt — 1 API-Schlüssel widerrufen')
      .waitFor();
    await german.page.screenshot({ path: join(RESULTS_DIR, 'audit-log-de.png'), fullPage: true });
    await german.context.close();
  });
});
