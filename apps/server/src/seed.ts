import { hashPassword } from '@roster/api';
import type { Database, Role } from '@roster/db';
import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';

/** The demo accounts' password (documented in the README). */
export const DEMO_PASSWORD = 'roster-demo';

interface DemoUser {
  email: string;
  name: string;
}

export const DEMO_USERS = {
  ada: { email: 'ada@example.com', name: 'Ada Lovelace' },
  ben: { email: 'ben@example.com', name: 'Ben Okafor' },
  cleo: { email: 'cleo@example.com', name: 'Cleo Martin' },
  dan: { email: 'dan@example.com', name: 'Dan Weber' },
  eve: { email: 'eve@example.com', name: 'Eve Santos' },
} satisfies Record<string, DemoUser>;

type DemoKey = keyof typeof DEMO_USERS;

/** Enough extra Acme members for a second page of the members list. */
const EXTRA_ACME_MEMBERS = 12;

/**
 * Whether to seed: on the embedded database by default (a first `pnpm start` should have something to
 * sign in to), on PostgreSQL only when asked (`SEED_DEMO=1`); never with `SEED_DEMO=0`, nor under
 * NODE_ENV=test unless asked. Never under NODE_ENV=production unless `SEED_DEMO=1` says so explicitly:
 * the demo accounts' password is published, so they must not appear in a real deployment by default
 * (an embedded database in production used to get them).
 */
export function shouldSeedDemo(env: {
  DATABASE_URL?: string;
  SEED_DEMO?: string;
  NODE_ENV?: string;
}): boolean {
  if (env.SEED_DEMO === '1' || env.SEED_DEMO === 'true') return true;
  if (env.SEED_DEMO === '0' || env.SEED_DEMO === 'false') return false;
  return !env.DATABASE_URL && env.NODE_ENV !== 'test' && env.NODE_ENV !== 'production';
}

/** What the log says, at `warn`, before seeding under NODE_ENV=production (only with SEED_DEMO=1). */
export const PRODUCTION_SEED_WARNING =
  'SEED_DEMO=1 under NODE_ENV=production: creating demo accounts whose password is published in the README; anyone can sign in as them. Unset SEED_DEMO for a real deployment.';

/**
 * Creates the demo users and organizations, on an empty database only (no user yet), so it runs on the
 * first start and never touches real data. Returns whether it seeded.
 *
 * - Acme (`acme`): Ada owner (its only owner: she sees the transfer-ownership path), Ben admin,
 *   Cleo member, Dan viewer, 12 more members (paging), and a pending invitation for Eve.
 * - Globex (`globex`): Cleo owner, Dan admin, Ada member (she can leave it).
 * - Eve belongs to no organization: she lands on onboarding with Acme's invitation.
 */
export async function seedDemo(db: Kysely<Database>, log?: FastifyBaseLogger): Promise<boolean> {
  // Every later start ends here, after one cheap query.
  if (await hasAnyUser(db)) return false;
  // One hash for every demo account: they share the documented password anyway.
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  const seeded = await db.transaction().execute(async (trx) => {
    // Checked again inside the transaction: another replica may have seeded meanwhile.
    if (await hasAnyUser(trx)) return false;

    const extra = Array.from({ length: EXTRA_ACME_MEMBERS }, (_, index) => {
      const n = String(index + 1).padStart(2, '0');
      return { email: `member${n}@example.com`, name: `Member ${n}` };
    });
    const users = await trx
      .insertInto('users')
      .values(
        // Demo accounts count as verified: their addresses are made up, nobody could follow a link.
        [...Object.values(DEMO_USERS), ...extra].map((user) => ({
          ...user,
          password_hash: passwordHash,
          email_verified_at: new Date(),
        })),
      )
      .returning(['id', 'email'])
      .execute();
    const idOf = (email: string) => users.find((user) => user.email === email)!.id;
    const id = (key: DemoKey) => idOf(DEMO_USERS[key].email);

    const organizations = await trx
      .insertInto('organizations')
      .values([
        { name: 'Acme', slug: 'acme' },
        { name: 'Globex', slug: 'globex' },
      ])
      .returning(['id', 'slug'])
      .execute();
    const acme = organizations.find((organization) => organization.slug === 'acme')!.id;
    const globex = organizations.find((organization) => organization.slug === 'globex')!.id;

    const start = Date.now() - 30 * 24 * 3600 * 1000;
    const memberships: Array<[string, string, Role]> = [
      [acme, id('ada'), 'owner'],
      [acme, id('ben'), 'admin'],
      [acme, id('cleo'), 'member'],
      [acme, id('dan'), 'viewer'],
      ...extra.map((user, index): [string, string, Role] => [
        acme,
        idOf(user.email),
        index % 3 === 2 ? 'viewer' : 'member',
      ]),
      [globex, id('cleo'), 'owner'],
      [globex, id('dan'), 'admin'],
      [globex, id('ada'), 'member'],
    ];
    await trx
      .insertInto('memberships')
      .values(
        memberships.map(([organizationId, userId, role], index) => ({
          organization_id: organizationId,
          user_id: userId,
          role,
          // Distinct join times, a day apart: a stable, readable order.
          created_at: new Date(start + index * 24 * 3600 * 1000),
        })),
      )
      .execute();
    await trx
      .insertInto('invitations')
      .values({
        organization_id: acme,
        email: DEMO_USERS.eve.email,
        role: 'member',
        invited_by: id('ada'),
        expires_at: new Date(Date.now() + 7 * 24 * 3600 * 1000),
      })
      .execute();
    await trx
      .insertInto('audit_log')
      .values(
        organizations.map((organization) => ({
          organization_id: organization.id,
          action: 'organization.created',
          actor_user_id: organization.id === acme ? id('ada') : id('cleo'),
          metadata: { seed: 'demo' },
        })),
      )
      .execute();
    return true;
  });
  if (seeded) {
    log?.info(
      { users: Object.values(DEMO_USERS).map((user) => user.email), password: DEMO_PASSWORD },
      'seeded the demo data (organizations acme and globex); see the README for the sign-in details',
    );
  }
  return seeded;
}

async function hasAnyUser(db: Kysely<Database>): Promise<boolean> {
  return (await db.selectFrom('users').select('id').limit(1).executeTakeFirst()) !== undefined;
}
