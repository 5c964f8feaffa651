import { describe, expect, it } from 'vitest';
import { appForFile, hasChromium, newPage, organizationWith, PASSWORD, signUpApi } from './harness';

describe.skipIf(!hasChromium)('the German UI, in the browser', () => {
  const app = appForFile();

  it('follows a German browser, translates server errors, and can be switched to English and back', async () => {
    const user = await signUpApi(app, 'Greta Gruber');
    const organization = await organizationWith(app, user, 'Deutsche Firma');
    const { page } = await newPage(app, 'de-DE');

    await page.goto('/sign-in');
    await page.getByRole('heading', { name: 'Bei Roster anmelden' }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('de');

    // A refusal shows its reason's German message, not the server's text.
    await page.getByLabel('E-Mail').fill(user.email);
    await page.getByLabel('Passwort').fill('wrong password!');
    await page.getByRole('button', { name: 'Anmelden' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toBe('E-Mail oder Passwort ist nicht korrekt.');

    await page.getByLabel('Passwort').fill(PASSWORD);
    await page.getByRole('button', { name: 'Anmelden' }).click();
    await page.waitForURL(`**/app/${organization.slug}`);
    await page.getByText('Ihre Rolle: Inhaber').waitFor();
    await page.getByRole('link', { name: 'Einstellungen' }).click();
    await page.getByRole('heading', { name: 'Sie sind der einzige Inhaber' }).waitFor();
    await page.getByRole('link', { name: 'Mitglieder' }).click();
    await page.getByRole('columnheader', { name: 'Beigetreten' }).waitFor();
    await page.getByRole('heading', { name: 'Mitglied einladen' }).waitFor();

    // Switch to English; the choice outlives a reload; switch back.
    await page.getByLabel('Sprache').selectOption('en');
    await page.getByRole('heading', { name: 'Invite a member' }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await page.reload();
    await page.getByRole('columnheader', { name: 'Joined' }).waitFor();
    await page.getByLabel('Language').selectOption('de');
    await page.getByRole('heading', { name: 'Mitglied einladen' }).waitFor();

    // An address that is no page says so, in German too.
    await page.goto('/no-such-page');
    await page.getByRole('heading', { name: 'Diese Seite gibt es nicht.' }).waitFor();
  });
});
