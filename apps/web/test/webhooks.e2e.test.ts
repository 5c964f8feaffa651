import http from 'node:http';
import type net from 'node:net';
import { join } from 'node:path';
import { webhookSecretBox } from '@roster/api';
import { createDispatcher, type Dispatcher } from '@roster/server';
import type { Page } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import {
  type App,
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

interface Received {
  headers: Record<string, string>;
  body: string;
  /** The status this receiver answered. */
  status: number;
}

/** A real HTTP receiver on 127.0.0.1; `status` is what it answers next (500 until told otherwise). */
async function startReceiver() {
  const received: Received[] = [];
  const state = { status: 500 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({
        headers: req.headers as Record<string, string>,
        body: Buffer.concat(chunks).toString('utf8'),
        status: state.status,
      });
      res.statusCode = state.status;
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/roster-hooks`,
    received,
    state,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The delivery rows of an organization's webhooks. */
function deliveryRows(app: App, webhookId: string) {
  return app.t.db
    .selectFrom('webhook_deliveries')
    .select(['id', 'status', 'attempts', 'last_status_code', 'last_error', 'delivered_at', 'max_attempts'])
    .where('webhook_id', '=', webhookId)
    .execute();
}

/** Runs dispatcher rounds until `done` (a bound, not a clock: each round waits for its requests). */
async function drain(dispatcher: Dispatcher, done: () => Promise<boolean>, maxRounds = 50) {
  for (let i = 0; i < maxRounds; i++) {
    if (await done()) return;
    await dispatcher.runOnce();
  }
  throw new Error(`not done after ${maxRounds} dispatcher rounds`);
}

/** The text of the delivery row in the browser, once it contains `expected`. */
async function waitForRowText(page: Page, deliveryId: string, expected: string) {
  const row = page.getByTestId(`delivery-${deliveryId}`);
  await row.getByText(expected, { exact: true }).first().waitFor();
  return (await row.textContent()) ?? '';
}

describe.skipIf(!hasChromium)('webhooks, in the browser', () => {
  const app = appForFile();

  it('an owner adds an endpoint (secret shown once), rotates its secret and deletes it after confirming; an admin sees no webhooks', async () => {
    const owner = await signUpApi(app, 'Olga Owner');
    const admin = await signUpApi(app, 'Adam Admin');
    const organization = await organizationWith(app, owner, 'Hooks Org', [[admin, 'admin']]);
    const url = 'https://hooks.example.test/roster';
    const { context, page } = await newPage(app);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: app.url });
    await signInContext(app, context, owner);
    await page.goto(`/app/${organization.slug}/settings`);
    await page.getByRole('link', { name: 'Webhooks' }).click();
    await page.waitForURL(`**/app/${organization.slug}/settings/webhooks`);
    await page.getByRole('heading', { name: 'Add an endpoint' }).waitFor();
    await page.getByText('No endpoints yet.').waitFor();

    await page.getByRole('textbox', { name: 'URL' }).fill(url);
    await page.getByRole('textbox', { name: 'Description (optional)' }).fill('CRM sync');
    await page.getByRole('checkbox', { name: /^member\.added/ }).check();
    await page.getByRole('checkbox', { name: /^member\.removed/ }).check();
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    const secretTitle = page.getByRole('heading', { name: `Signing secret for ${url}` });
    await secretTitle.waitFor();
    // Focus moves to the secret's panel, so a screen reader reads it out.
    await page.waitForFunction(
      (name) => document.activeElement?.textContent === name,
      `Signing secret for ${url}`,
    );
    const secret = (await page.getByTestId('webhook-secret').textContent()) ?? '';
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    await page.getByRole('button', { name: 'Copy' }).click();
    await page.getByText('Copied.').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
    await page.screenshot({ path: join(RESULTS_DIR, 'webhook-created.png'), fullPage: true });
    await page.getByRole('button', { name: 'Done' }).click();
    await secretTitle.waitFor({ state: 'detached' });
    expect(await page.content()).not.toContain(secret);
    const endpoint = page.getByRole('region', { name: url, exact: true });
    await endpoint.getByText('member.added, member.removed').waitFor();
    await endpoint.getByText('Nothing has been sent to this endpoint yet.').waitFor();

    const row = () =>
      app.t.db
        .selectFrom('webhooks')
        .select(['id', 'url', 'description', 'event_types', 'created_by', 'secret', 'secret_ciphertext'])
        .where('organization_id', '=', organization.id)
        .execute();
    const [stored] = await row();
    expect(stored).toMatchObject({
      url,
      description: 'CRM sync',
      event_types: ['member.added', 'member.removed'],
      created_by: owner.id,
      secret: null,
    });
    expect(webhookSecretBox().decrypt(stored!.secret_ciphertext!, stored!.id)).toBe(secret);

    // Rotate, after a confirmation: the new secret is shown once and is the only one stored.
    await endpoint.getByRole('button', { name: `Rotate secret of ${url}` }).click();
    const rotateDialog = page.getByRole('alertdialog', { name: `Rotate the signing secret of ${url}?` });
    await rotateDialog.waitFor();
    await rotateDialog.getByRole('button', { name: 'Rotate secret' }).click();
    await rotateDialog.waitFor({ state: 'detached' });
    await page.getByRole('heading', { name: `New signing secret for ${url}` }).waitFor();
    const rotated = (await page.getByTestId('webhook-secret').textContent()) ?? '';
    expect(rotated).toMatch(/^whsec_/);
    expect(rotated).not.toBe(secret);
    const [afterRotation] = await row();
    expect(webhookSecretBox().decrypt(afterRotation!.secret_ciphertext!, stored!.id)).toBe(rotated);
    await page.screenshot({ path: join(RESULTS_DIR, 'webhook-rotated.png'), fullPage: true });
    await endpoint.getByRole('button', { name: 'Done' }).click();
    expect(await page.content()).not.toContain(rotated);

    // Delete: Cancel changes nothing; confirming deletes the row.
    await endpoint.getByRole('button', { name: `Delete ${url}` }).click();
    const deleteDialog = page.getByRole('alertdialog', { name: `Delete the endpoint ${url}?` });
    await deleteDialog.getByRole('button', { name: 'Cancel' }).click();
    await deleteDialog.waitFor({ state: 'detached' });
    expect(await row()).toHaveLength(1);
    await endpoint.getByRole('button', { name: `Delete ${url}` }).click();
    await page.screenshot({ path: join(RESULTS_DIR, 'webhook-delete-dialog.png') });
    await deleteDialog.getByRole('button', { name: 'Delete endpoint' }).click();
    await page.getByText(`The endpoint ${url} is deleted.`).waitFor();
    await page.getByText('No endpoints yet.').waitFor();
    // Focus goes to the page's heading (the endpoint and its button are gone).
    await page.waitForFunction(() => document.activeElement?.textContent === 'Webhooks');
    expect(await row()).toEqual([]);
    const audit = await app.t.db
      .selectFrom('audit_log')
      .select(['action', 'actor_user_id'])
      .where('organization_id', '=', organization.id)
      .where('action', 'like', 'webhook.%')
      .orderBy('created_at')
      .execute();
    expect(audit).toEqual([
      { action: 'webhook.created', actor_user_id: owner.id },
      { action: 'webhook.secret_rotated', actor_user_id: owner.id },
      { action: 'webhook.deleted', actor_user_id: owner.id },
    ]);
    // Neither secret the screen showed reached an audit row (viewers read the log).
    const auditText = JSON.stringify(
      await app.t.db
        .selectFrom('audit_log')
        .selectAll()
        .where('organization_id', '=', organization.id)
        .execute(),
    );
    expect(auditText).not.toContain(secret);
    expect(auditText).not.toContain(rotated);
    expect(auditText).not.toContain('whsec_');
    await context.close();

    // An admin: no link in settings, and the screen says who may.
    const asAdmin = await newPage(app);
    await signInContext(app, asAdmin.context, admin);
    await asAdmin.page.goto(`/app/${organization.slug}/settings`);
    await asAdmin.page.getByRole('link', { name: 'API keys' }).waitFor();
    expect(await asAdmin.page.getByRole('link', { name: 'Webhooks' }).count()).toBe(0);
    await asAdmin.page.goto(`/app/${organization.slug}/settings/webhooks`);
    await asAdmin.page.getByText('Only owners manage webhooks.').waitFor();
    await asAdmin.context.close();
  });

  it('a failed delivery is redelivered from the browser: the receiver gets it once, verified with standardwebhooks (English, then German)', async () => {
    const owner = await signUpApi(app, 'Olga Owner');
    const member = await signUpApi(app, 'Mia Member');
    const organization = await organizationWith(app, owner, 'Redeliver Org', [[member, 'member']]);
    const receiver = await startReceiver();
    // The receiver listens on loopback, which the dispatcher refuses unless told (as in development).
    // No retries after the first: a failed delivery is tried twice, then it is dead.
    const dispatcher = createDispatcher(app.t.db, {
      intervalMs: 0,
      allowPrivateTargets: true,
      retryScheduleMs: [0],
      retryJitter: 0,
    });
    try {
      const { context, page } = await newPage(app);
      await signInContext(app, context, owner);
      await page.goto(`/app/${organization.slug}/settings/webhooks`);
      await page.getByRole('textbox', { name: 'URL' }).fill(receiver.url);
      await page.getByRole('checkbox', { name: /^member\.removed/ }).check();
      await page.getByRole('button', { name: 'Add endpoint' }).click();
      const secret = (await page.getByTestId('webhook-secret').textContent()) ?? '';
      expect(secret).toMatch(/^whsec_/);
      await page.getByRole('button', { name: 'Done' }).click();
      const endpoint = page.getByRole('region', { name: receiver.url, exact: true });
      await endpoint.getByText('Nothing has been sent to this endpoint yet.').waitFor();
      const { id: webhookId } = await app.t.db
        .selectFrom('webhooks')
        .select('id')
        .where('organization_id', '=', organization.id)
        .executeTakeFirstOrThrow();

      // A real event: the owner removes the member. The receiver answers 500 to both attempts.
      const membership = await membershipOf(app, organization.id, member.id);
      await call(
        app,
        'members.remove',
        { organizationId: organization.id, memberId: membership.id },
        owner.cookie,
      );
      await drain(dispatcher, async () => (await deliveryRows(app, webhookId))[0]?.status === 'dead');
      const [dead] = await deliveryRows(app, webhookId);
      expect(dead).toMatchObject({
        status: 'dead',
        attempts: 2,
        last_status_code: 500,
        last_error: 'HTTP 500',
      });
      expect(receiver.received.map((r) => r.status)).toEqual([500, 500]);

      // The owner sees it failed, with its attempts and last error, and redelivers it.
      await endpoint.getByRole('button', { name: `Refresh the deliveries to ${receiver.url}` }).click();
      const failedText = await waitForRowText(page, dead!.id, 'Failed');
      expect(failedText).toContain('member.removed');
      expect(failedText).toContain('2 attempts');
      expect(failedText).toContain('HTTP 500');
      await endpoint.getByText('2 failed attempts in a row').waitFor();
      await page.screenshot({ path: join(RESULTS_DIR, 'webhook-delivery-failed.png'), fullPage: true });
      receiver.state.status = 200;
      await page
        .getByTestId(`delivery-${dead!.id}`)
        .getByRole('button', { name: /^Redeliver member\.removed of / })
        .click();
      await page.getByText(/^member\.removed of .* is queued to be sent once more\.$/).waitFor();
      await waitForRowText(page, dead!.id, 'Retrying');
      expect(await page.getByTestId(`delivery-${dead!.id}`).getByRole('button').count()).toBe(0);
      expect((await deliveryRows(app, webhookId))[0]).toMatchObject({
        status: 'pending',
        attempts: 2,
        max_attempts: 3,
      });
      // Asking twice is refused (the button is gone; the API says why).
      await expect(
        call(
          app,
          'webhooks.redeliver',
          { organizationId: organization.id, deliveryId: dead!.id },
          owner.cookie,
        ),
      ).rejects.toThrow(/WEBHOOK_DELIVERY_NOT_REDELIVERABLE/);

      await drain(dispatcher, async () => (await deliveryRows(app, webhookId))[0]?.status !== 'pending');
      // Nothing more is due: one more round sends nothing.
      expect((await dispatcher.runOnce()).claimed).toBe(0);
      const delivered = (await deliveryRows(app, webhookId))[0]!;
      expect(delivered).toMatchObject({
        status: 'delivered',
        attempts: 3,
        last_status_code: 200,
        last_error: null,
      });
      expect(delivered.delivered_at).not.toBeNull();

      // Exactly one request was answered 2xx, and it verifies with the secret shown in the browser.
      expect(receiver.received.map((r) => r.status)).toEqual([500, 500, 200]);
      const accepted = receiver.received.filter((r) => r.status === 200);
      expect(accepted).toHaveLength(1);
      const event = new Webhook(secret).verify(accepted[0]!.body, accepted[0]!.headers) as {
        id: string;
        type: string;
        organizationId: string;
        data: { userId: string; reason: string };
      };
      expect(event).toMatchObject({
        type: 'member.removed',
        organizationId: organization.id,
        data: { userId: member.id, reason: 'removed' },
      });
      // The same event id on every attempt (receivers de-duplicate on it).
      expect(new Set(receiver.received.map((r) => r.headers['webhook-id']))).toEqual(new Set([event.id]));

      await endpoint.getByRole('button', { name: `Refresh the deliveries to ${receiver.url}` }).click();
      const deliveredText = await waitForRowText(page, dead!.id, 'Delivered');
      expect(deliveredText).toContain('3 attempts');
      // A delivered attempt ends the run of failures.
      await endpoint.getByText('Active', { exact: true }).waitFor();
      await page.screenshot({ path: join(RESULTS_DIR, 'webhook-delivery-redelivered.png'), fullPage: true });
      await context.close();

      // German.
      const german = await newPage(app, 'de-DE');
      await signInContext(app, german.context, owner);
      await german.page.goto(`/app/${organization.slug}/settings/webhooks`);
      await german.page.getByRole('heading', { name: 'Endpunkt hinzufügen' }).waitFor();
      await german.page.getByRole('heading', { name: 'Letzte Zustellungen' }).waitFor();
      const germanText = await waitForRowText(german.page, dead!.id, 'Zugestellt');
      expect(germanText).toContain('3 Versuche');
      await german.page.getByRole('button', { name: `Schlüssel erneuern: ${receiver.url}` }).waitFor();
      await german.page.screenshot({ path: join(RESULTS_DIR, 'webhooks-de.png'), fullPage: true });
      await german.context.close();
    } finally {
      await dispatcher.stop();
      await receiver.close();
    }
  });
});
