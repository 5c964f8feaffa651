import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  appForFile,
  auditOf,
  call,
  expectMembershipEnded,
  hasChromium,
  membershipOf,
  newPage,
  organizationWith,
  RESULTS_DIR,
  signInContext,
  signUpApi,
  uniqueEmail,
} from './harness';

describe.skipIf(!hasChromium)('removing a member, in the browser', () => {
  const app = appForFile();

  it('an admin removes a member after a confirmation naming them and what is revoked; owners and admins are not offered', async () => {
    const owner = await signUpApi(app, 'Olga Owner');
    const admin = await signUpApi(app, 'Adam Admin');
    const otherAdmin = await signUpApi(app, 'Alma Admin');
    const member = await signUpApi(app, 'Mia Member');
    const viewer = await signUpApi(app, 'Vic Viewer');
    const organization = await organizationWith(app, owner, 'Remove Org', [
      [admin, 'admin'],
      [otherAdmin, 'admin'],
      [member, 'member'],
      [viewer, 'viewer'],
    ]);
    const { context, page } = await newPage(app);
    await signInContext(app, context, admin);
    await page.goto(`/app/${organization.slug}/members`);
    const row = (name: string) => page.getByRole('row', { name: new RegExp(name) });
    await row('Mia Member').waitFor();

    // Offered only where an admin may act: members and viewers, not owners, admins or themselves.
    expect(
      await row('Olga Owner')
        .getByRole('button', { name: /Remove/ })
        .count(),
    ).toBe(0);
    expect(
      await row('Alma Admin')
        .getByRole('button', { name: /Remove/ })
        .count(),
    ).toBe(0);
    expect(
      await row('Adam Admin')
        .getByRole('button', { name: /Remove/ })
        .count(),
    ).toBe(0);
    expect(await row('Vic Viewer').getByRole('button', { name: 'Remove Vic Viewer' }).count()).toBe(1);
    // Role changes: an admin moves members and viewers between member and viewer only.
    expect(await row('Olga Owner').getByRole('combobox').count()).toBe(0);
    expect(
      await row('Mia Member')
        .getByRole('combobox', { name: 'Role of Mia Member' })
        .locator('option')
        .allTextContents(),
    ).toEqual(['Member', 'Viewer']);
    await page.screenshot({ path: join(RESULTS_DIR, 'members-page.png'), fullPage: true });

    // Cancel first: nothing changes.
    await row('Mia Member').getByRole('button', { name: 'Remove Mia Member' }).click();
    const dialog = page.getByRole('alertdialog', { name: 'Remove Mia Member from Remove Org?' });
    await dialog.waitFor();
    const text = await dialog.textContent();
    expect(text).toContain(member.email);
    expect(text).toContain('API keys');
    expect(text).toContain('invitations');
    await page.screenshot({ path: join(RESULTS_DIR, 'remove-dialog.png') });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await membershipOf(app, organization.id, member.id)).toMatchObject({ status: 'active' });

    // Confirm: the row goes, the database says removed by the admin.
    await row('Mia Member').getByRole('button', { name: 'Remove Mia Member' }).click();
    await dialog.getByRole('button', { name: 'Remove Mia Member' }).click();
    await page.getByText('Mia Member was removed. Revoked: 0 API keys and 0 pending invitations.').waitFor();
    expect(await row('Mia Member').count()).toBe(0);
    // The button that opened the dialog left with its row: focus goes to the page's heading, not to <body>.
    await page.waitForFunction(() => document.activeElement?.matches('h1') === true);
    await expectMembershipEnded(app, organization.id, member.id, { reason: 'removed', by: admin.id });

    // After a reload (server truth), still gone; the others are still there.
    await page.reload();
    await row('Vic Viewer').waitFor();
    expect(await row('Mia Member').count()).toBe(0);
  });

  it('an owner removes an admin: the API key they created and the invitation they sent are revoked with it', async () => {
    const owner = await signUpApi(app, 'Oona Owner');
    const admin = await signUpApi(app, 'Arlo Admin');
    const organization = await organizationWith(app, owner, 'Keys Org', [[admin, 'admin']]);
    await call(
      app,
      'apiKeys.create',
      { organizationId: organization.id, name: 'CI', scopes: ['members:read'] },
      admin.cookie,
    );
    await call(
      app,
      'invitations.create',
      { organizationId: organization.id, email: uniqueEmail('invitee'), role: 'member' },
      admin.cookie,
    );
    const { context, page } = await newPage(app);
    await signInContext(app, context, owner);
    await page.goto(`/app/${organization.slug}/members`);
    await page
      .getByRole('row', { name: /Arlo Admin/ })
      .getByRole('button', { name: 'Remove Arlo Admin' })
      .click();
    await page
      .getByRole('alertdialog', { name: 'Remove Arlo Admin from Keys Org?' })
      .getByRole('button', { name: 'Remove Arlo Admin' })
      .click();
    await page.getByText('Arlo Admin was removed. Revoked: 1 API key and 1 pending invitation.').waitFor();
    await expectMembershipEnded(app, organization.id, admin.id, { reason: 'removed', by: owner.id });
    const keys = await app.t.db
      .selectFrom('api_keys')
      .select('revoked_at')
      .where('organization_id', '=', organization.id)
      .execute();
    expect(keys).toHaveLength(1);
    expect(keys[0]!.revoked_at).not.toBeNull();
    const invitations = await app.t.db
      .selectFrom('invitations')
      .select('status')
      .where('organization_id', '=', organization.id)
      .where('invited_by', '=', admin.id)
      .execute();
    expect(invitations).toEqual([{ status: 'revoked' }]);
    // The pending invitations list no longer shows it.
    expect(await page.getByRole('heading', { name: 'Pending invitations' }).count()).toBe(1);
    await page.getByText('No pending invitations.').waitFor();
  });

  it('a refusal shows its reason’s message: removing someone who has just left answers MEMBER_NOT_FOUND', async () => {
    const owner = await signUpApi(app, 'Rhea Owner');
    const leaver = await signUpApi(app, 'Lou Leaver');
    const organization = await organizationWith(app, owner, 'Race Org', [[leaver, 'member']]);
    const { context, page } = await newPage(app);
    await signInContext(app, context, owner);
    await page.goto(`/app/${organization.slug}/members`);
    await page.getByRole('row', { name: /Lou Leaver/ }).waitFor();
    // Meanwhile, Lou leaves on their own.
    await call(app, 'members.leave', { organizationId: organization.id }, leaver.cookie);
    await page.getByRole('button', { name: 'Remove Lou Leaver' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Remove Lou Leaver' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toBe(
      'This person is no longer a member of the organization. The list has been refreshed.',
    );
    await page.getByText('1 member shown').waitFor();
    // The leave stands as it was: left by themselves, not removed by the owner.
    await expectMembershipEnded(app, organization.id, leaver.id, { reason: 'left', by: leaver.id });
    expect(await auditOf(app, organization.id, 'member.removed')).toEqual([]);
  });

  it('an owner changes a role and revokes a pending invitation', async () => {
    const owner = await signUpApi(app, 'Rita Owner');
    const member = await signUpApi(app, 'Carl Changed');
    const organization = await organizationWith(app, owner, 'Roles Org', [[member, 'member']]);
    const invitee = uniqueEmail('revoked');
    await call(
      app,
      'invitations.create',
      { organizationId: organization.id, email: invitee, role: 'viewer' },
      owner.cookie,
    );
    const { context, page } = await newPage(app);
    await signInContext(app, context, owner);
    await page.goto(`/app/${organization.slug}/members`);

    await page.getByRole('combobox', { name: 'Role of Carl Changed' }).selectOption('admin');
    await page.getByText('The role of Carl Changed is now Admin.').waitFor();
    expect(await membershipOf(app, organization.id, member.id)).toMatchObject({
      role: 'admin',
      status: 'active',
    });

    await page.getByRole('button', { name: `Revoke the invitation for ${invitee}` }).click();
    await page.getByText(`The invitation for ${invitee} was revoked.`).waitFor();
    await page.getByText('No pending invitations.').waitFor();
    const invitation = await app.t.db
      .selectFrom('invitations')
      .select(['status', 'revoked_by'])
      .where('organization_id', '=', organization.id)
      .where('email', '=', invitee)
      .executeTakeFirstOrThrow();
    expect(invitation).toEqual({ status: 'revoked', revoked_by: owner.id });
  });

  it('a member is offered no management: no remove, no role change, no invitations', async () => {
    const owner = await signUpApi(app, 'Otto Owner');
    const member = await signUpApi(app, 'Milo Member');
    const viewer = await signUpApi(app, 'Vera Viewer');
    const organization = await organizationWith(app, owner, 'Plain Org', [
      [member, 'member'],
      [viewer, 'viewer'],
    ]);
    const { context, page } = await newPage(app);
    await signInContext(app, context, member);
    await page.goto(`/app/${organization.slug}/members`);
    await page.getByRole('row', { name: /Vera Viewer/ }).waitFor();
    expect(await page.getByRole('button', { name: /^Remove/ }).count()).toBe(0);
    expect(await page.getByRole('combobox', { name: /^Role of/ }).count()).toBe(0);
    expect(await page.getByRole('heading', { name: 'Invite a member' }).count()).toBe(0);
    expect(await page.getByRole('heading', { name: 'Pending invitations' }).count()).toBe(0);
    // Their own row offers Leave.
    await page
      .getByRole('row', { name: /Milo Member/ })
      .getByRole('button', { name: 'Leave' })
      .waitFor();
  });

  it('the members list is paged: Load more brings the rest, each member once', async () => {
    const owner = await signUpApi(app, 'Paula Pager');
    const organization = await organizationWith(app, owner, 'Paged Org');
    // Twelve more members, written straight to the database (the UI under test is the list).
    const users = await app.t.db
      .insertInto('users')
      .values(
        Array.from({ length: 12 }, (_, index) => ({
          email: `paged-${index}-${organization.id.slice(0, 8)}@example.com`,
          name: `Paged Person ${String(index + 1).padStart(2, '0')}`,
          password_hash: null,
        })),
      )
      .returning('id')
      .execute();
    await app.t.db
      .insertInto('memberships')
      .values(
        users.map((user) => ({
          organization_id: organization.id,
          user_id: user.id,
          role: 'member' as const,
        })),
      )
      .execute();
    const { context, page } = await newPage(app);
    await signInContext(app, context, owner);
    await page.goto(`/app/${organization.slug}/members`);
    await page.getByText('10 members shown').waitFor();
    expect(await page.locator('tbody tr').count()).toBe(10);
    await page.getByRole('button', { name: 'Load more' }).click();
    await page.getByText('13 members shown').waitFor();
    const names = await page.locator('tbody th').allTextContents();
    expect(names).toHaveLength(13);
    expect(new Set(names).size).toBe(13);
    expect(await page.getByRole('button', { name: 'Load more' }).count()).toBe(0);
  });
});
