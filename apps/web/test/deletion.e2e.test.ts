import { describe, expect, it } from 'vitest';
import { appForFile, hasChromium, newPage, organizationWith, signInContext, signUpApi } from './harness';

describe.skipIf(!hasChromium)('deleting an organization, in the browser', () => {
  const app = appForFile();

  async function organizationRow(id: string) {
    return app.t.db
      .selectFrom('organizations')
      .select(['status', 'deletion_due_at'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
  }

  it('schedule -> a banner with the days left on every page, Restore for owners -> active again', async () => {
    const owner = await signUpApi(app, 'Deleting Owner');
    const member = await signUpApi(app, 'Staying Member');
    const organization = await organizationWith(app, owner, 'Doomed Org', [[member, 'member']]);
    const { context, page } = await newPage(app);
    await signInContext(app, context, owner);

    await page.goto(`/app/${organization.slug}/settings`);
    await page.getByRole('button', { name: 'Export as JSON' }).waitFor();
    await page.getByRole('button', { name: 'Delete organization' }).click();
    const dialog = page.getByRole('alertdialog', { name: 'Delete Doomed Org?' });
    await dialog.getByRole('button', { name: 'Delete Doomed Org' }).click();
    await dialog.waitFor({ state: 'hidden' });

    // The banner says how long is left, on this page and the others; Delete is no longer offered.
    const banner = page.getByTestId('deletion-banner');
    await banner.waitFor();
    expect(await banner.textContent()).toContain('it will be deleted in 30 days');
    expect(await page.getByRole('button', { name: 'Delete organization' }).count()).toBe(0);
    expect(await organizationRow(organization.id)).toMatchObject({ status: 'deletion_scheduled' });
    await page.getByRole('link', { name: 'Members' }).click();
    await page.getByRole('heading', { name: 'Members' }).waitFor();
    await banner.waitFor();

    // A member sees the banner but no Restore, and no Leave.
    const memberPage = await newPage(app);
    await signInContext(app, memberPage.context, member);
    await memberPage.page.goto(`/app/${organization.slug}/settings`);
    await memberPage.page.getByTestId('deletion-banner').waitFor();
    await memberPage.page.getByRole('heading', { name: 'Settings' }).waitFor();
    expect(await memberPage.page.getByRole('button', { name: /Restore/ }).count()).toBe(0);
    expect(await memberPage.page.getByRole('button', { name: 'Leave organization' }).count()).toBe(0);

    // The owner restores: the banner goes, the organization is active again.
    await banner.getByRole('button', { name: 'Restore Doomed Org' }).click();
    await banner.waitFor({ state: 'hidden' });
    await page.getByText('Doomed Org is restored').waitFor();
    expect(await organizationRow(organization.id)).toEqual({ status: 'active', deletion_due_at: null });
  });
});
