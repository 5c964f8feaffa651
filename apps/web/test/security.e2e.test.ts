import { describe, expect, it } from 'vitest';
import { appForFile, hasChromium, newPage, PASSWORD, uniqueEmail } from './harness';

// Issue 13, finding 9: the app is served with a Content-Security-Policy (and the other security
// headers), and the built app works under it. `appForFile` fails the file on any CSP violation the
// browser reports, here and in every other browser test.
describe.skipIf(!hasChromium)('the web app under its Content-Security-Policy', () => {
  const app = appForFile();

  it('renders, signs up and reaches onboarding with the headers on, no violation reported', async () => {
    const { context, page } = await newPage(app);
    const response = await page.goto('/');
    const headers = response?.headers() ?? {};
    expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(headers['content-security-policy']).toContain("script-src 'self'");
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['referrer-policy']).toBe('no-referrer');
    // Scripts ran (React rendered the form), styles loaded, and the API answered (connect-src).
    await page.getByRole('link', { name: 'Create one' }).click();
    await page.getByLabel('Name').fill('Csp Tester');
    await page.getByLabel('Email').fill(uniqueEmail('csp'));
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'Welcome to Roster' }).waitFor();
    const stylesheets = await page.evaluate(() => document.styleSheets.length);
    expect(stylesheets).toBeGreaterThan(0);
    await context.close();
  });
});
