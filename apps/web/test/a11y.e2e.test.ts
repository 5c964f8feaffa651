// Every screen, on a phone (390 × 844) and a desktop (1280 × 900), in English and German:
// - no sideways page scrolling (`scrollWidth` within the window) and each primary action visible and
//   clickable (Playwright's actionability checks, without clicking);
// - an axe-core audit (WCAG 2.0, 2.1 and 2.2, levels A and AA) with zero violations, on the screen and
//   on every confirmation dialog it opens;
// - each dialog fits the window, keeps focus inside while Tab is pressed, and Escape closes it and gives
//   focus back to the button that opened it;
// - a screenshot per screen, width and language in test-results/screens/.
// The last test lists the router's routes: a route added without a SCREENS entry here (or a reason in
// NOT_SCREENS) fails it.
import { mkdirSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { createDevMailbox, createDispatcher, createMailer } from '@roster/server';
import type { Locator, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { de } from '../src/i18n/de';
import { en, type Messages } from '../src/i18n/en';
import {
  type ApiUser,
  appForFile,
  call,
  hasChromium,
  organizationWith,
  PASSWORD,
  RESULTS_DIR,
  signInContext,
  signUpApi,
  uniqueEmail,
} from './harness';

const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa'];
const VIEWPORTS = [
  { name: 'phone', width: 390, height: 844 },
  { name: 'desktop', width: 1280, height: 900 },
] as const;
const LOCALES = [
  { locale: 'en-US', lang: 'en', messages: en },
  { locale: 'de-DE', lang: 'de', messages: de },
] as const;

/** Routes that are not screens of their own, with the reason. */
const NOT_SCREENS: Record<string, string> = {
  '/': 'redirects to /app or /sign-in',
  '/app': 'redirects to the active organization or to onboarding',
};

type Persona = 'signedOut' | 'owner' | 'member' | 'newcomer';

interface Fixtures {
  owner: ApiUser;
  member: ApiUser;
  newcomer: ApiUser;
  organization: { id: string; slug: string; name: string };
  /** Tokens of mailed links (minted by the server's mailer into a development mailbox). */
  inviteToken: string;
  verifyToken: string;
  resetToken: string;
  /** The organization's webhook endpoint (a local port nothing listens on: its deliveries failed). */
  webhookUrl: string;
}

/** A message by its dotted key, with `{{name}}` placeholders filled in. */
function tr(messages: Messages, key: string, vars: Record<string, string> = {}): string {
  let value: unknown = messages;
  for (const part of key.split('.')) value = (value as Record<string, unknown>)[part];
  if (typeof value !== 'string') throw new Error(`no message ${key}`);
  return value.replaceAll(/\{\{(\w+)\}\}/g, (_, name: string) => vars[name] ?? '');
}

interface Dialog {
  name: string;
  /** Prepares the screen if needed, and returns the button that opens the dialog. */
  trigger(page: Page, m: Messages, f: Fixtures): Promise<Locator>;
}

interface Screen {
  /** The router path it renders (a key of the router's routesByPath). */
  path: string;
  /** A name for the test and the screenshot. */
  name: string;
  as: Persona;
  url(f: Fixtures): string;
  /** Visible once the screen has loaded. */
  ready(page: Page, m: Messages, f: Fixtures): Locator;
  /** The actions a person comes to this screen for: each must be visible and clickable. */
  actions(page: Page, m: Messages, f: Fixtures): Locator[];
  dialogs?: Dialog[];
}

const heading = (page: Page, name: string) => page.getByRole('heading', { level: 1, name });

/** Every screen of the web app, as the person who uses it sees it. */
const SCREENS: Screen[] = [
  {
    path: '/sign-in',
    name: 'sign-in',
    as: 'signedOut',
    url: () => '/sign-in',
    ready: (page, m) => heading(page, tr(m, 'auth.signInTitle')),
    actions: (page) => [page.locator('form button[type=submit]')],
  },
  {
    path: '/sign-up',
    name: 'sign-up',
    as: 'signedOut',
    url: () => '/sign-up',
    ready: (page, m) => heading(page, tr(m, 'auth.signUpTitle')),
    actions: (page) => [page.locator('form button[type=submit]')],
  },
  {
    path: '/app/onboarding',
    name: 'onboarding',
    as: 'newcomer',
    url: () => '/app/onboarding',
    ready: (page, m) => heading(page, tr(m, 'onboarding.title')),
    actions: (page) => [page.locator('form button[type=submit]')],
  },
  {
    path: '/app/$orgSlug',
    name: 'dashboard',
    as: 'owner',
    url: (f) => `/app/${f.organization.slug}`,
    ready: (page, m) => page.getByRole('navigation', { name: tr(m, 'nav.main') }),
    actions: (page, m) => [
      page.getByRole('link', { name: tr(m, 'nav.members'), exact: true }),
      page.getByRole('link', { name: tr(m, 'nav.settings'), exact: true }),
    ],
  },
  {
    path: '/app/$orgSlug/members',
    name: 'members',
    as: 'owner',
    url: (f) => `/app/${f.organization.slug}/members`,
    ready: (page, m, f) =>
      page.getByRole('button', { name: tr(m, 'members.removeNamed', { name: f.member.name }) }),
    actions: (page, m, f) => [
      page.getByRole('button', { name: tr(m, 'members.removeNamed', { name: f.member.name }) }),
      page.locator('form button[type=submit]'),
    ],
    dialogs: [
      {
        name: 'remove',
        trigger: async (page, m, f) =>
          page.getByRole('button', { name: tr(m, 'members.removeNamed', { name: f.member.name }) }),
      },
    ],
  },
  {
    path: '/app/$orgSlug/members',
    name: 'members-as-member',
    as: 'member',
    url: (f) => `/app/${f.organization.slug}/members`,
    ready: (page, m) => page.getByRole('button', { name: tr(m, 'members.leave'), exact: true }),
    actions: (page, m) => [page.getByRole('button', { name: tr(m, 'members.leave'), exact: true })],
    dialogs: [
      {
        name: 'leave',
        trigger: async (page, m) => page.getByRole('button', { name: tr(m, 'members.leave'), exact: true }),
      },
    ],
  },
  {
    path: '/app/$orgSlug/settings',
    name: 'settings-sole-owner',
    as: 'owner',
    url: (f) => `/app/${f.organization.slug}/settings`,
    ready: (page, m) => page.getByRole('button', { name: tr(m, 'settings.deleteButton') }),
    actions: (page, m) => [
      page.getByRole('button', { name: tr(m, 'settings.deleteButton') }),
      page.getByLabel(tr(m, 'settings.transferTo')),
    ],
    dialogs: [
      {
        name: 'transfer',
        trigger: async (page, m, f) => {
          const select = page.getByLabel(tr(m, 'settings.transferTo'));
          await select.selectOption({ label: `${f.member.name} (${f.member.email})` });
          return page.getByRole('button', { name: tr(m, 'settings.transfer'), exact: true });
        },
      },
      {
        name: 'delete',
        trigger: async (page, m) => page.getByRole('button', { name: tr(m, 'settings.deleteButton') }),
      },
    ],
  },
  {
    path: '/app/$orgSlug/settings',
    name: 'settings-member',
    as: 'member',
    url: (f) => `/app/${f.organization.slug}/settings`,
    ready: (page, m) => page.getByRole('button', { name: tr(m, 'settings.leaveButton') }),
    actions: (page, m) => [page.getByRole('button', { name: tr(m, 'settings.leaveButton') })],
    dialogs: [
      {
        name: 'leave',
        trigger: async (page, m) => page.getByRole('button', { name: tr(m, 'settings.leaveButton') }),
      },
    ],
  },
  {
    path: '/app/$orgSlug/settings/api-keys',
    name: 'api-keys',
    as: 'owner',
    url: (f) => `/app/${f.organization.slug}/settings/api-keys`,
    ready: (page, m) => heading(page, tr(m, 'apiKeys.title')),
    actions: (page, m) => [page.getByRole('button', { name: tr(m, 'apiKeys.create'), exact: true })],
    dialogs: [
      {
        name: 'revoke',
        trigger: async (page, m) => {
          // A key to revoke: created through the form (its secret shown once, then dismissed).
          await page.getByRole('textbox', { name: tr(m, 'apiKeys.name') }).fill('Audit key');
          await page.getByRole('button', { name: tr(m, 'apiKeys.create'), exact: true }).click();
          await page.getByRole('button', { name: tr(m, 'secret.done') }).click();
          return page
            .getByRole('button', { name: tr(m, 'apiKeys.revokeNamed', { name: 'Audit key' }) })
            .first();
        },
      },
    ],
  },
  {
    path: '/app/$orgSlug/settings/webhooks',
    name: 'webhooks',
    as: 'owner',
    url: (f) => `/app/${f.organization.slug}/settings/webhooks`,
    // An endpoint with failed deliveries, each with its Redeliver button.
    ready: (page) => page.locator('td.actions button'),
    actions: (page, m) => [
      page.getByRole('button', { name: tr(m, 'webhooks.create'), exact: true }),
      page.locator('td.actions button').first(),
    ],
    dialogs: [
      {
        name: 'rotate',
        trigger: async (page, m, f) =>
          page.getByRole('button', { name: tr(m, 'webhooks.rotateNamed', { url: f.webhookUrl }) }),
      },
      {
        name: 'delete',
        trigger: async (page, m, f) =>
          page.getByRole('button', { name: tr(m, 'webhooks.deleteNamed', { url: f.webhookUrl }) }),
      },
    ],
  },
  {
    path: '/app/$orgSlug/audit-log',
    name: 'audit-log',
    as: 'owner',
    url: (f) => `/app/${f.organization.slug}/audit-log`,
    ready: (page) => page.getByTestId('audit-entry'),
    actions: (page, m) => [
      page.getByRole('combobox', { name: tr(m, 'audit.action') }),
      page.getByRole('link', { name: tr(m, 'audit.exportCsv') }),
    ],
  },
  {
    path: '/invite/$token',
    name: 'invite',
    as: 'signedOut',
    url: (f) => `/invite/${f.inviteToken}`,
    ready: (page, m) => heading(page, tr(m, 'invite.title')),
    actions: (page) => [page.locator('form button[type=submit]')],
  },
  {
    // Following the link uses it: the first visit confirms, later ones show the refusal. Both are audited.
    path: '/verify-email/$token',
    name: 'verify-email',
    as: 'signedOut',
    url: (f) => `/verify-email/${f.verifyToken}`,
    ready: (page, m) => heading(page, tr(m, 'verify.title')),
    actions: (page, m) => [page.getByRole('link', { name: tr(m, 'verify.continue') })],
  },
  {
    path: '/forgot-password',
    name: 'forgot-password',
    as: 'signedOut',
    url: () => '/forgot-password',
    ready: (page, m) => heading(page, tr(m, 'reset.forgotTitle')),
    actions: (page) => [page.locator('form button[type=submit]')],
  },
  {
    path: '/reset-password/$token',
    name: 'reset-password',
    as: 'signedOut',
    url: (f) => `/reset-password/${f.resetToken}`,
    ready: (page, m) => heading(page, tr(m, 'reset.title')),
    actions: (page) => [page.locator('form button[type=submit]')],
  },
  {
    path: '/dev/mail',
    name: 'dev-mail',
    as: 'signedOut',
    url: () => '/dev/mail',
    ready: (page, m) => heading(page, tr(m, 'devMail.title')),
    actions: (page, m) => [page.getByRole('button', { name: tr(m, 'devMail.refresh') })],
  },
];

async function expectNoAxeViolations(page: Page, what: string): Promise<void> {
  const { violations } = await new AxeBuilder({ page }).withTags(WCAG_TAGS).analyze();
  const found = violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
  );
  expect(found, `axe violations on ${what}`).toEqual([]);
}

async function expectNoSidewaysScroll(page: Page, what: string): Promise<void> {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  expect(scrollWidth, `${what} is wider than the window`).toBeLessThanOrEqual(innerWidth);
}

/** Visible, inside the window's width once scrolled to, and clickable (checked without clicking). */
async function expectReachable(page: Page, action: Locator, what: string): Promise<void> {
  await action.scrollIntoViewIfNeeded();
  await action.click({ trial: true });
  const box = await action.boundingBox();
  const width = page.viewportSize()?.width ?? 0;
  expect(box, `${what} has no box`).not.toBeNull();
  expect(box!.x, `${what} starts left of the window`).toBeGreaterThanOrEqual(0);
  expect(box!.x + box!.width, `${what} ends right of the window`).toBeLessThanOrEqual(width + 0.5);
}

async function checkDialog(page: Page, trigger: Locator, what: string): Promise<void> {
  await trigger.click();
  const dialog = page.getByRole('alertdialog');
  await dialog.waitFor();
  const box = await dialog.boundingBox();
  const viewport = page.viewportSize()!;
  expect(box!.x).toBeGreaterThanOrEqual(0);
  expect(box!.y).toBeGreaterThanOrEqual(0);
  expect(box!.x + box!.width, `${what} is wider than the window`).toBeLessThanOrEqual(viewport.width + 0.5);
  expect(box!.y + box!.height, `${what} is taller than the window`).toBeLessThanOrEqual(
    viewport.height + 0.5,
  );
  await expectNoSidewaysScroll(page, what);
  await expectNoAxeViolations(page, what);
  // Focus stays inside the dialog however often Tab is pressed.
  for (let i = 0; i < 5; i++) {
    await page.keyboard.press('Tab');
    const inside = await dialog.evaluate((element) => element.contains(document.activeElement));
    expect(inside, `focus left ${what} after ${i + 1} Tab presses`).toBe(true);
  }
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  await page.waitForFunction((element) => element === document.activeElement, await trigger.elementHandle());
}

const audited = new Set<string>();

describe.skipIf(!hasChromium)(
  'every screen: phone width, desktop width, axe audit, in English and German',
  () => {
    const app = appForFile();
    const fixtures = {} as Fixtures;
    const screensDir = join(RESULTS_DIR, 'screens');

    beforeAll(async () => {
      mkdirSync(screensDir, { recursive: true });
      fixtures.owner = await signUpApi(app, 'Olga Owner');
      fixtures.member = await signUpApi(app, 'Mika Member');
      fixtures.newcomer = await signUpApi(app, 'Nora Newcomer');
      fixtures.organization = await organizationWith(app, fixtures.owner, 'Audit Works', [
        [fixtures.member, 'member'],
      ]);
      // Mailed links: an invitation, a verification and a reset, rendered by the mailer into a mailbox.
      await call(
        app,
        'invitations.create',
        { organizationId: fixtures.organization.id, email: uniqueEmail('audit-invitee'), role: 'member' },
        fixtures.owner.cookie,
      );
      const unverified = uniqueEmail('audit-unverified');
      await call(app, 'auth.signUp', { email: unverified, password: PASSWORD, name: 'Una Unverified' });
      await call(app, 'auth.requestPasswordReset', { email: fixtures.member.email });
      const mailbox = createDevMailbox();
      await createMailer(app.t.db, {
        appUrl: app.url,
        from: 'roster@test.example',
        transport: mailbox,
      }).runOnce();
      const tokenFor = (path: string) => {
        const match = mailbox
          .list()
          .map((mail) => mail.text.match(new RegExp(`${path}([A-Za-z0-9_-]{43})`))?.[1])
          .find(Boolean);
        if (!match) throw new Error(`no ${path} link among the mails`);
        return match;
      };
      // A webhook endpoint whose deliveries all failed (nothing listens on its port; no retries).
      const closed = net.createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const { port } = closed.address() as net.AddressInfo;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      fixtures.webhookUrl = `http://127.0.0.1:${port}/roster`;
      await call(
        app,
        'webhooks.create',
        { organizationId: fixtures.organization.id, url: fixtures.webhookUrl },
        fixtures.owner.cookie,
      );
      const dispatcher = createDispatcher(app.t.db, {
        intervalMs: 0,
        allowPrivateTargets: true,
        retryScheduleMs: [],
      });
      // One request per endpoint at a time: a round per delivery, until none is due.
      let dead = 0;
      for (let i = 0; i < 20; i++) {
        const round = await dispatcher.runOnce();
        dead += round.dead;
        if (round.claimed === 0) break;
      }
      expect(dead).toBeGreaterThan(0);
      await dispatcher.stop();
      fixtures.inviteToken = tokenFor('/invite/');
      fixtures.verifyToken = tokenFor('/verify-email/');
      fixtures.resetToken = tokenFor('/reset-password/');
    });

    for (const viewport of VIEWPORTS) {
      for (const { locale, lang, messages } of LOCALES) {
        it.each(SCREENS.map((screen) => [screen.name, screen] as const))(
          `%s at ${viewport.width} px in ${lang}`,
          { timeout: 300_000 },
          async (_name, screen) => {
            const context = await app.browser.newContext({
              locale,
              baseURL: app.url,
              viewport: { width: viewport.width, height: viewport.height },
              reducedMotion: viewport.name === 'phone' ? 'reduce' : 'no-preference',
            });
            context.setDefaultTimeout(120_000);
            try {
              if (screen.as !== 'signedOut') await signInContext(app, context, fixtures[screen.as]);
              const page = await context.newPage();
              const what = `${screen.name} (${viewport.width} px, ${lang})`;
              await page.goto(screen.url(fixtures));
              await screen.ready(page, messages, fixtures).first().waitFor();
              await expectNoSidewaysScroll(page, what);
              for (const action of screen.actions(page, messages, fixtures)) {
                await expectReachable(page, action, `an action of ${what}`);
              }
              await expectNoAxeViolations(page, what);
              await page.screenshot({
                path: join(screensDir, `${screen.name}-${viewport.width}-${lang}.png`),
                fullPage: true,
              });
              for (const dialog of screen.dialogs ?? []) {
                const trigger = await dialog.trigger(page, messages, fixtures);
                await checkDialog(page, trigger, `the ${dialog.name} dialog of ${what}`);
              }
              audited.add(`${screen.path} ${viewport.width} ${lang}`);
            } finally {
              await context.close();
            }
          },
        );
      }
    }

    it('audits every route of the router, at both widths and in both languages', async () => {
      const { router } = await import('../src/router');
      const paths = Object.keys(router.routesByPath).filter((path) => !(path in NOT_SCREENS));
      expect(paths.length).toBeGreaterThan(0);
      const missing = paths.flatMap((path) =>
        VIEWPORTS.flatMap((viewport) =>
          LOCALES.map(({ lang }) => `${path} ${viewport.width} ${lang}`).filter((key) => !audited.has(key)),
        ),
      );
      expect(missing, 'routes without a passing audit: add them to SCREENS').toEqual([]);
    });
  },
);
