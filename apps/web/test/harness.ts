import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createTestDatabase, type TestDatabase } from '@roster/db/testing';
import { buildServer } from '@roster/server';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';

/** Debian's chromium (`apt-get install -y chromium`), or CHROMIUM_PATH. */
const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM_PATH);

if (!hasChromium) {
  const message =
    `Chromium not found at ${CHROMIUM_PATH}: the web app's end-to-end tests need it. ` +
    'Install it with `apt-get install -y chromium`, or set CHROMIUM_PATH.';
  // In CI a missing browser is a failure, never a silent skip.
  if (process.env.CI === 'true') throw new Error(message);
  console.warn(`SKIPPED: ${message}`);
}

/** The built web app; the test script builds it (`vite build`) before vitest runs. */
export const WEB_DIST = resolve(import.meta.dirname, '../dist');
/** Screenshots kept as test artifacts (gitignored). */
export const RESULTS_DIR = resolve(import.meta.dirname, '../test-results');

export const PASSWORD = 'correct horse battery staple';

export interface App {
  url: string;
  t: TestDatabase;
  server: Awaited<ReturnType<typeof buildServer>>;
  browser: Browser;
  close(): Promise<void>;
}

/**
 * This file's own database, a real @roster/server on it serving the built web app (one port, /trpc
 * beside it), and a headless Chromium with a fresh profile.
 */
export async function startApp(): Promise<App> {
  if (!existsSync(join(WEB_DIST, 'index.html'))) {
    throw new Error(
      `${WEB_DIST}/index.html is missing: run the tests with \`pnpm --filter @roster/web test\``,
    );
  }
  mkdirSync(RESULTS_DIR, { recursive: true });
  const t = await createTestDatabase();
  // Rate limits off: these tests sign up more people from one IP than the sign-up limit allows.
  const server = await buildServer({ db: t.db, logLevel: 'silent', webDist: WEB_DIST, rateLimit: false });
  const url = await server.listen({ port: 0, host: '127.0.0.1' });
  // Playwright starts Chromium on a fresh temporary user-data-dir of its own and removes it on close.
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-quic',
      '--no-first-run',
      '--disable-sync',
    ],
  });
  return {
    url,
    t,
    server,
    browser,
    close: async () => {
      await browser.close().catch(() => {});
      await server.close();
      await t.destroy();
    },
  };
}

/** Content-Security-Policy violations the browser reported in this file's pages (see `newPage`). */
export const cspViolations: string[] = [];

/**
 * `startApp()` for the calling `describe`: started before its tests, closed after them. The object is
 * filled in by `beforeAll`, so read its fields inside tests only.
 */
export function appForFile(): App {
  const app = {} as App;
  beforeAll(async () => {
    Object.assign(app, await startApp());
  });
  afterAll(async () => {
    await app.close?.();
    // Every page this file drove worked under the server's CSP: no violation reported.
    expect(cspViolations).toEqual([]);
  });
  return app;
}

/** A browser context of its own (own cookies and storage), in a language. */
export async function newPage(app: App, locale = 'en-US'): Promise<{ context: BrowserContext; page: Page }> {
  const context = await app.browser.newContext({
    locale,
    baseURL: app.url,
    viewport: { width: 1200, height: 900 },
  });
  // Generous waits: in CI this shares two cores with every other package's tests.
  context.setDefaultTimeout(120_000);
  // The server's Content-Security-Policy must let the built app work: Chromium reports each blocked
  // script, style, image or request on the console, and `appForFile` fails the file on any of them.
  context.on('console', (message) => {
    if (/Content Security Policy|Refused to (load|execute|apply|connect|frame)/i.test(message.text())) {
      cspViolations.push(`${message.type()}: ${message.text()}`);
    }
  });
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      console.error(`Content Security Policy violation: ${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  const page = await context.newPage();
  return { context, page };
}

export interface ApiUser {
  id: string;
  name: string;
  email: string;
  /** The session cookie (`name=value`). */
  cookie: string;
}

let counter = 0;
/** A unique email for this run. */
export function uniqueEmail(prefix: string): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}@example.com`;
}

/** Calls a procedure over HTTP as a browser on the app's origin would (JSON body, Origin header). */
async function post<T>(app: App, procedure: string, input: unknown, cookie?: string) {
  const response = await fetch(`${app.url}/trpc/${procedure}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: app.url, ...(cookie ? { cookie } : {}) },
    body: JSON.stringify(input ?? {}),
  });
  const body = (await response.json()) as { result?: { data: T }; error?: unknown };
  if (!response.ok || !body.result) {
    throw new Error(`${procedure} failed: ${response.status} ${JSON.stringify(body.error ?? body)}`);
  }
  return { data: body.result.data, headers: response.headers };
}

/** A procedure's answer, called as `post` does. */
export async function call<T>(app: App, procedure: string, input: unknown, cookie?: string): Promise<T> {
  return (await post<T>(app, procedure, input, cookie)).data;
}

/** Marks a user's address as proven, as following the mailed verification link does. */
export async function markVerified(app: App, email: string): Promise<void> {
  await app.t.db
    .updateTable('users')
    .set({ email_verified_at: new Date() })
    .where('email', '=', email)
    .execute();
}

/**
 * Signs someone up and in over HTTP (quicker than the form, for people a test does not sign up through the
 * UI), with a verified address (as after following the mailed link) so they can accept invitations by id.
 */
export async function signUpApi(app: App, name: string, email = uniqueEmail('user')): Promise<ApiUser> {
  await post(app, 'auth.signUp', { email, password: PASSWORD, name });
  await markVerified(app, email);
  const { data, headers } = await post<{ user: { id: string } }>(app, 'auth.signIn', {
    email,
    password: PASSWORD,
  });
  const cookie = headers
    .getSetCookie()
    .map((line) => line.split(';')[0])
    .join('; ');
  return { id: data.user.id, name, email, cookie };
}

/** Puts a user's session cookie into a browser context: that context is now signed in as them. */
export async function signInContext(app: App, context: BrowserContext, user: ApiUser): Promise<void> {
  await context.addCookies(
    user.cookie.split('; ').map((pair) => {
      const [name, ...value] = pair.split('=');
      return { name: name!, value: value.join('='), url: app.url };
    }),
  );
}

/** An organization created by `owner` over HTTP, with `members` invited and accepted over HTTP. */
export async function organizationWith(
  app: App,
  owner: ApiUser,
  name: string,
  members: Array<[ApiUser, 'owner' | 'admin' | 'member' | 'viewer']> = [],
): Promise<{ id: string; slug: string; name: string }> {
  const slug = `${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${(++counter).toString(36)}`;
  const organization = await call<{ id: string; slug: string; name: string }>(
    app,
    'organizations.create',
    { name, slug },
    owner.cookie,
  );
  for (const [member, role] of members) {
    const invitation = await call<{ id: string }>(
      app,
      'invitations.create',
      { organizationId: organization.id, email: member.email, role },
      owner.cookie,
    );
    await call(app, 'invitations.accept', { invitationId: invitation.id }, member.cookie);
  }
  return organization;
}

/** The membership row of a user in an organization (the newest, active or not). */
export async function membershipOf(app: App, organizationId: string, userId: string) {
  return app.t.db
    .selectFrom('memberships')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('user_id', '=', userId)
    .orderBy('created_at', 'desc')
    .executeTakeFirstOrThrow();
}

/** The id of the user with this email. */
export async function userIdOf(app: App, email: string): Promise<string> {
  const user = await app.t.db
    .selectFrom('users')
    .select('id')
    .where('email', '=', email)
    .executeTakeFirstOrThrow();
  return user.id;
}

/** The organization's audit entries of one action, oldest first. */
export async function auditOf(app: App, organizationId: string, action: 'member.left' | 'member.removed') {
  return app.t.db
    .selectFrom('audit_log')
    .select(['action', 'actor_user_id', 'target_user_id'])
    .where('organization_id', '=', organizationId)
    .where('action', '=', action)
    .orderBy('created_at')
    .execute();
}

/**
 * After a leave (`reason: 'left'`, `by` the user) or a removal (`'removed'`, `by` whoever removed them):
 * the user's membership is marked so, with its time and actor, and the organization's audit log holds
 * exactly one entry of that kind, by `by`, about the user.
 */
export async function expectMembershipEnded(
  app: App,
  organizationId: string,
  userId: string,
  { reason, by }: { reason: 'left' | 'removed'; by: string },
): Promise<void> {
  const membership = await membershipOf(app, organizationId, userId);
  expect(membership).toMatchObject({ status: 'removed', removal_reason: reason, removed_by: by });
  expect(membership.removed_at).not.toBeNull();
  const action = reason === 'left' ? 'member.left' : 'member.removed';
  expect(await auditOf(app, organizationId, action)).toEqual([
    { action, actor_user_id: by, target_user_id: userId },
  ]);
}

/** The active organization of the user's newest session (null when none is set). */
export async function activeOrganizationOf(app: App, userId: string): Promise<string | null> {
  const session = await app.t.db
    .selectFrom('sessions')
    .select('active_organization_id')
    .where('user_id', '=', userId)
    .orderBy('created_at', 'desc')
    .executeTakeFirstOrThrow();
  return session.active_organization_id;
}

/** Waits until the element with focus has this text (focus moves a frame after a dialog opens). */
export async function waitForFocus(page: Page, text: string): Promise<void> {
  await page.waitForFunction((expected) => document.activeElement?.textContent === expected, text);
}

/** Waits until the header's organization switcher lists exactly these organizations (and its fixed entries). */
export async function waitForSwitcher(page: Page, names: string[]): Promise<void> {
  await page.waitForFunction((expected) => {
    const select = [...document.querySelectorAll('label')]
      .find((label) => label.textContent === 'Organization')
      ?.parentElement?.querySelector('select');
    if (!select) return false;
    const options = [...select.options].filter((option) => option.value && option.value !== '__new__');
    return JSON.stringify(options.map((option) => option.text)) === JSON.stringify(expected);
  }, names);
}
