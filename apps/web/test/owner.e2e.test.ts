import { describe, expect, it } from 'vitest';
import {
  appForFile,
  expectMembershipEnded,
  hasChromium,
  membershipOf,
  newPage,
  organizationWith,
  signInContext,
  signUpApi,
  waitForSwitcher,
} from './harness';

describe.skipIf(!hasChromium)('a sole owner and Leave, in the browser', () => {
  const app = appForFile();

  it('a sole owner is not offered Leave, but the transfer path: offer -> the target accepts on their dashboard -> roles swapped on both screens, then Leave is offered', async () => {
    const owner = await signUpApi(app, 'Sole Owner');
    const member = await signUpApi(app, 'Next Owner');
    const organization = await organizationWith(app, owner, 'Solo Org', [[member, 'member']]);
    const { context, page } = await newPage(app);
    await signInContext(app, context, owner);

    // Settings: no Leave, but the explanation and the transfer action.
    await page.goto(`/app/${organization.slug}/settings`);
    await page.getByRole('heading', { name: 'You are the only owner' }).waitFor();
    expect(await page.getByRole('button', { name: 'Leave organization' }).count()).toBe(0);
    expect(await page.locator('body').textContent()).toContain('Transfer ownership to another member first');
    await page.getByRole('heading', { name: 'Delete organization' }).waitFor();

    // Members: no Leave on the caller's own row either.
    await page.getByRole('link', { name: 'Members' }).click();
    const ownRow = page.getByRole('row', { name: /Sole Owner/ });
    await ownRow.waitFor();
    await page.getByRole('row', { name: /Next Owner/ }).waitFor();
    expect(await ownRow.getByRole('button').count()).toBe(0);

    // The allowed path: offer ownership; nothing changes until the target accepts on their dashboard.
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByLabel('New owner').selectOption({ label: `Next Owner (${member.email})` });
    await page.getByRole('button', { name: 'Offer ownership' }).click();
    const dialog = page.getByRole('alertdialog', { name: 'Offer Next Owner the ownership of Solo Org?' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Offer ownership' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByTestId('ownership-offer-pending').waitFor();
    expect(await membershipOf(app, organization.id, owner.id)).toMatchObject({ role: 'owner' });
    expect(await membershipOf(app, organization.id, member.id)).toMatchObject({ role: 'member' });

    // The target sees the offer on the dashboard and accepts: roles swap on their screen...
    const target = await newPage(app);
    await signInContext(app, target.context, member);
    await target.page.goto(`/app/${organization.slug}`);
    const card = target.page.getByTestId('ownership-offer');
    await card.getByRole('button', { name: 'Accept ownership' }).click();
    await card.waitFor({ state: 'hidden' });
    await target.page.getByText('Your role: Owner').waitFor();
    expect(await membershipOf(app, organization.id, owner.id)).toMatchObject({
      role: 'admin',
      status: 'active',
    });
    expect(await membershipOf(app, organization.id, member.id)).toMatchObject({
      role: 'owner',
      status: 'active',
    });

    // ...and on the former owner's: an admin now, who is offered Leave.
    await page.reload();
    await page.getByRole('button', { name: 'Leave organization' }).waitFor();
    expect(await page.getByRole('heading', { name: 'You are the only owner' }).count()).toBe(0);
    await page.getByRole('link', { name: 'Dashboard' }).click();
    await page.getByText('Your role: Admin').waitFor();

    // ...and on the own row in the members list, where it leaves too; the user had no other organization.
    await page.getByRole('link', { name: 'Members' }).click();
    await ownRow.getByRole('button', { name: 'Leave' }).click();
    const leave = page.getByRole('alertdialog', { name: 'Leave Solo Org?' });
    await leave.getByRole('button', { name: 'Leave Solo Org' }).click();
    await page.waitForURL('**/app/onboarding');
    await expectMembershipEnded(app, organization.id, owner.id, { reason: 'left', by: owner.id });
  });

  it('leaving one of two organizations lands on the other one’s dashboard', async () => {
    const user = await signUpApi(app, 'Two Orgs');
    const other = await signUpApi(app, 'Other Owner');
    const first = await organizationWith(app, other, 'First Org', [[user, 'viewer']]);
    const second = await organizationWith(app, other, 'Second Org', [[user, 'member']]);
    const { context, page } = await newPage(app);
    await signInContext(app, context, user);
    await page.goto(`/app/${second.slug}/settings`);
    await page.getByRole('button', { name: 'Leave organization' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Leave Second Org' }).click();
    await page.waitForURL(`**/app/${first.slug}`);
    await page.getByRole('heading', { name: 'First Org' }).waitFor();
    await waitForSwitcher(page, ['First Org']);
    await expectMembershipEnded(app, second.id, user.id, { reason: 'left', by: user.id });
    expect(await membershipOf(app, first.id, user.id)).toMatchObject({ status: 'active' });
  });
});
