import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config';
import { startServer } from '../src/start';

/**
 * The purge worker in the server process: wired to ORG_DELETION_GRACE_DAYS and PURGE_INTERVAL_MS, off
 * under NODE_ENV=test unless configured, stopped with the server. (What a purge does is tested in
 * @roster/api's deletion.test.ts.)
 */
const base = { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', NODE_ENV: 'test', DATA_DIR: 'memory://' };

async function post(url: string, procedure: string, input: unknown, cookie?: string) {
  const response = await fetch(`${url}/trpc/${procedure}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    body: JSON.stringify(input),
  });
  const body = (await response.json()) as { result?: { data: Record<string, unknown> }; error?: unknown };
  if (!response.ok) throw new Error(`${procedure}: ${response.status} ${JSON.stringify(body.error)}`);
  const cookieHeader = response.headers
    .getSetCookie()
    .map((line) => line.split(';')[0])
    .join('; ');
  return { data: body.result!.data, cookie: cookieHeader };
}

describe('the purge worker in the server', () => {
  it('is off by default under NODE_ENV=test, on when configured, and stops when the server closes', async () => {
    const quiet = await startServer(loadConfig(base));
    try {
      expect(quiet.purger.running).toBe(false);
    } finally {
      await quiet.close();
    }
    const server = await startServer(loadConfig({ ...base, PURGE_INTERVAL_MS: '25' }));
    expect(server.purger.running).toBe(true);
    expect(server.purger.settings.intervalMs).toBe(25);
    await server.close();
    expect(server.purger.running).toBe(false);
  });

  it('schedules with ORG_DELETION_GRACE_DAYS, and purges once the grace period is over', async () => {
    const server = await startServer(loadConfig({ ...base, ORG_DELETION_GRACE_DAYS: '0' }));
    try {
      const email = `purge-${crypto.randomUUID().slice(0, 8)}@example.test`;
      const password = 'correct horse battery staple';
      await post(server.url, 'auth.signUp', { email, password, name: 'Purging Owner' });
      const { cookie } = await post(server.url, 'auth.signIn', { email, password });
      const organization = await post(
        server.url,
        'organizations.create',
        { name: 'Gone', slug: 'gone-soon' },
        cookie,
      );
      const organizationId = organization.data.id as string;
      const scheduled = await post(server.url, 'organizations.scheduleDeletion', { organizationId }, cookie);
      // Zero days: due at once.
      expect(scheduled.data.deletionDueAt).toBe(scheduled.data.deletionScheduledAt);
      const round = await server.purger.runOnce();
      expect(round.deleted).toEqual([{ organizationId, memberships: 1, apiKeys: 0, invitations: 0 }]);
      expect((await server.purger.runOnce()).deleted).toEqual([]);
      // The slug is free again.
      const again = await post(
        server.url,
        'organizations.create',
        { name: 'Again', slug: 'gone-soon' },
        cookie,
      );
      expect(again.data.slug).toBe('gone-soon');
    } finally {
      await server.close();
    }
  });
});
