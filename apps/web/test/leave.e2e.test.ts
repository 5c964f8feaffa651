import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  activeOrganizationOf,
  appForFile,
  expectMembershipEnded,
  hasChromium,
  markVerified,
  membershipOf,
  newPage,
  PASSWORD,
  RESULTS_DIR,
  uniqueEmail,
  userIdOf,
  waitForFocus,
  waitForSwitcher,
} from './harness';

describe.skipIf(!hasChromium)('leaving an organization, in the browser', () => {
  const app = appForFile();

  it('sign up, create an organization, invite a second user who accepts and then leaves; the owner sees them gone', async () => {
    const ownerEmail = uniqueEmail('olivia');
    const memberEmail = uniqueEmail('max');

    // The owner signs up through the form and lands on onboarding (no organization yet).
    const { page: owner } = await newPage(app);
    await owner.goto('/');
    await owner.waitForURL('**/sign-in');
    await owner.getByRole('link', { name: 'Create one' }).click();
    await owner.getByLabel('Name').fill('Olivia Owner');
    await owner.getByLabel('Email').fill(ownerEmail);
    await owner.getByLabel('Password').fill(PASSWORD);
    await owner.getByRole('button', { name: 'Create account' }).click();
    await owner.waitForURL('**/app/onboarding');
    await owner.getByRole('heading', { name: 'Welcome to Roster' }).waitFor();

    // ...creates an organization and lands on its dashboard.
    await owner.getByLabel('Organization name').fill('Leave Test Co');
    expect(await owner.getByLabel('Address (slug)').inputValue()).toBe('leave-test-co');
    await owner.getByRole('button', { name: 'Create organization' }).click();
    await owner.waitForURL('**/app/leave-test-co');
    await owner.getByRole('heading', { name: 'Leave Test Co' }).waitFor();
    const organization = await app.t.db
      .selectFrom('organizations')
      .select(['id', 'name'])
      .where('slug', '=', 'leave-test-co')
      .executeTakeFirstOrThrow();
    const ownerId = await userIdOf(app, ownerEmail);
    expect(await membershipOf(app, organization.id, ownerId)).toMatchObject({
      role: 'owner',
      status: 'active',
    });
    // The organization the user works in becomes their session's active one.
    await expect.poll(() => activeOrganizationOf(app, ownerId)).toBe(organization.id);

    // ...and invites a second user as a member.
    await owner
      .getByRole('navigation', { name: 'Organization sections' })
      .getByRole('link', { name: 'Members' })
      .click();
    await owner.waitForURL('**/app/leave-test-co/members');
    await owner.getByLabel('Email address').fill(memberEmail);
    await owner.getByRole('button', { name: 'Send invitation' }).click();
    await owner.getByText(`Invitation sent to ${memberEmail}.`).waitFor();
    await owner.getByRole('listitem').filter({ hasText: memberEmail }).waitFor();
    const invitation = await app.t.db
      .selectFrom('invitations')
      .select(['status', 'role'])
      .where('organization_id', '=', organization.id)
      .where('email', '=', memberEmail)
      .executeTakeFirstOrThrow();
    expect(invitation).toEqual({ status: 'pending', role: 'member' });

    // The second user signs up, finds the invitation on onboarding, and accepts it.
    const { page: member } = await newPage(app);
    await member.goto('/sign-up');
    await member.getByLabel('Name').fill('Max Member');
    await member.getByLabel('Email').fill(memberEmail);
    await member.getByLabel('Password').fill(PASSWORD);
    await member.getByRole('button', { name: 'Create account' }).click();
    await member.waitForURL('**/app/onboarding');
    // Invitations by address show once the address is proven (following the mailed verification link;
    // apps/web/test/invite.e2e.test.ts follows the invitation's own link in the browser instead).
    await markVerified(app, memberEmail);
    await member.reload();
    const invitationRow = member
      .getByRole('listitem')
      .filter({ hasText: 'Leave Test Co invites you as Member' });
    await invitationRow.getByRole('button', { name: 'Accept' }).click();
    await member.waitForURL('**/app/leave-test-co');
    await member.getByText('Your role: Member').waitFor();
    const memberId = await userIdOf(app, memberEmail);
    expect(await membershipOf(app, organization.id, memberId)).toMatchObject({
      role: 'member',
      status: 'active',
    });
    await expect.poll(() => activeOrganizationOf(app, memberId)).toBe(organization.id);

    // The owner's members page lists them.
    await owner.reload();
    await owner.getByRole('row', { name: /Max Member/ }).waitFor();

    // The member opens Leave in settings: an alert dialog that names the action and warns.
    await member.getByRole('link', { name: 'Settings' }).click();
    await member.waitForURL('**/app/leave-test-co/settings');
    await member.getByRole('button', { name: 'Leave organization' }).click();
    const dialog = member.getByRole('alertdialog', { name: 'Leave Leave Test Co?' });
    await dialog.waitFor();
    const text = await dialog.textContent();
    expect(text).toContain('access to all of Leave Test Co’s resources');
    expect(text).toContain('ends at once');
    expect(text).toContain('you will need a new invitation');
    // Focus starts on Cancel, inside the dialog; Escape cancels and nothing changes.
    await waitForFocus(member, 'Cancel');
    await member.keyboard.press('Tab');
    await waitForFocus(member, 'Leave Leave Test Co');
    await member.keyboard.press('Tab');
    await waitForFocus(member, 'Cancel'); // trapped: Tab wraps within the dialog
    await member.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect(await membershipOf(app, organization.id, memberId)).toMatchObject({ status: 'active' });

    // Confirming leaves: no organization left, so onboarding.
    await member.getByRole('button', { name: 'Leave organization' }).click();
    await dialog.waitFor();
    await member.screenshot({ path: join(RESULTS_DIR, 'leave-dialog.png') });
    await dialog.getByRole('button', { name: 'Leave Leave Test Co' }).click();
    await member.waitForURL('**/app/onboarding');
    await member.getByText('You left Leave Test Co.').waitFor();
    await expectMembershipEnded(app, organization.id, memberId, { reason: 'left', by: memberId });
    // The leave cleared the session's pointer to the organization.
    expect(await activeOrganizationOf(app, memberId)).toBeNull();

    // The old organization is gone from the switcher...
    await waitForSwitcher(member, []);
    // ...and its URLs show an organization selector, not its data.
    await member.goto('/app/leave-test-co/members');
    await member.getByRole('heading', { name: 'Choose an organization' }).waitFor();
    const body = await member.locator('body').textContent();
    expect(body).toContain('is not available to you');
    expect(body).not.toContain(ownerEmail);
    expect(body).not.toContain('Olivia Owner');

    // The owner sees the member gone.
    await owner.reload();
    await owner.getByRole('row', { name: /Olivia Owner/ }).waitFor();
    expect(await owner.getByRole('row', { name: /Max Member/ }).count()).toBe(0);
    expect(await owner.getByText('1 member shown').count()).toBe(1);
    const active = await app.t.db
      .selectFrom('memberships')
      .select('user_id')
      .where('organization_id', '=', organization.id)
      .where('status', '=', 'active')
      .execute();
    expect(active).toEqual([{ user_id: ownerId }]);
  });
});
