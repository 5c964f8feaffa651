import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../src/index';
import {
  createTestDatabase,
  type RoundTripCounter,
  startRoundTripCounter,
  type TestDatabase,
} from '../src/testing';

// The BEGIN that travels with a transaction's first statement is node-postgres's; PGlite has no wire.
const onPostgres = Boolean(process.env.DATABASE_URL);

let t: TestDatabase;
let counter: RoundTripCounter;
beforeAll(async () => {
  if (!onPostgres) return;
  t = await createTestDatabase();
  counter = await startRoundTripCounter(t.url!);
});
afterAll(async () => {
  await counter?.close();
  await t?.destroy();
});

/** One connection through the counter, already connected, counting from zero. */
async function withCountedDb(
  preparedStatements: boolean | undefined,
  fn: (db: Kysely<Database>) => Promise<void>,
) {
  const db = createDatabase({ url: counter.url, maxConnections: 1, preparedStatements });
  try {
    await sql`select 1`.execute(db);
    counter.reset();
    await fn(db);
  } finally {
    await db.destroy();
  }
}

const slug = (label: string) => `pipe-${label}-${Math.random().toString(36).slice(2, 10)}`;

async function organizationExists(s: string): Promise<boolean> {
  const row = await t.db.selectFrom('organizations').select('id').where('slug', '=', s).executeTakeFirst();
  return row !== undefined;
}

describe.runIf(onPostgres)('a transaction opens in the round trip of its first statement (postgres)', () => {
  for (const preparedStatements of [true, false]) {
    it(`BEGIN travels with the first statement: a one-statement transaction is 2 round trips, a three-statement one 4 (prepared statements ${preparedStatements ? 'on' : 'off'})`, async () => {
      await withCountedDb(preparedStatements, async (db) => {
        const s = slug('one');
        await db.transaction().execute(async (trx) => {
          await trx.insertInto('organizations').values({ name: 'Pipelined', slug: s }).execute();
        });
        expect(counter.roundTrips()).toBe(2); // BEGIN + insert, COMMIT
        expect(await organizationExists(s)).toBe(true);

        counter.reset();
        const s2 = slug('three');
        await db.transaction().execute(async (trx) => {
          await trx.insertInto('organizations').values({ name: 'Pipelined', slug: s2 }).execute();
          await trx.updateTable('organizations').set({ name: 'Renamed' }).where('slug', '=', s2).execute();
          await trx.selectFrom('organizations').select('name').where('slug', '=', s2).execute();
        });
        expect(counter.roundTrips()).toBe(4);
        const row = await t.db
          .selectFrom('organizations')
          .select('name')
          .where('slug', '=', s2)
          .executeTakeFirst();
        expect(row?.name).toBe('Renamed');

        // Outside a transaction nothing changes: one statement, one round trip.
        counter.reset();
        await db.selectFrom('organizations').select('id').where('slug', '=', s).execute();
        expect(counter.roundTrips()).toBe(1);
      });
    });
  }

  it('the first statement runs inside the transaction: a rollback undoes it', async () => {
    await withCountedDb(undefined, async (db) => {
      const s = slug('rollback');
      await expect(
        db.transaction().execute(async (trx) => {
          await trx.insertInto('organizations').values({ name: 'Undone', slug: s }).execute();
          // Not visible from another connection before the commit: it is in a transaction.
          expect(await organizationExists(s)).toBe(false);
          throw new Error('roll back');
        }),
      ).rejects.toThrow('roll back');
      expect(await organizationExists(s)).toBe(false);
    });
  });

  it('an isolation level is kept: START TRANSACTION ISOLATION LEVEL travels with the first statement too', async () => {
    await withCountedDb(undefined, async (db) => {
      const level = await db
        .transaction()
        .setIsolationLevel('serializable')
        .execute(async (trx) => {
          const { rows } = await sql<{
            level: string;
          }>`select current_setting('transaction_isolation') as level`.execute(trx);
          return rows[0]!.level;
        });
      expect(level).toBe('serializable');
      expect(counter.roundTrips()).toBe(2);
    });
  });

  it('a failing first statement fails with its own error, rolls the transaction back, and the connection goes on', async () => {
    await withCountedDb(undefined, async (db) => {
      const s = slug('dup');
      await db.insertInto('organizations').values({ name: 'First', slug: s }).execute();
      const failure = await db
        .transaction()
        .execute(async (trx) => {
          await trx.insertInto('organizations').values({ name: 'Second', slug: s }).execute();
        })
        .then(
          () => null,
          (error: unknown) => error as { code?: string },
        );
      expect(failure?.code).toBe('23505'); // unique_violation: the statement's error, not BEGIN's
      const rows = await t.db.selectFrom('organizations').select('name').where('slug', '=', s).execute();
      expect(rows).toEqual([{ name: 'First' }]);
      // The same connection (the pool has one) runs the next transaction normally.
      const s2 = slug('after');
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('organizations').values({ name: 'After', slug: s2 }).execute();
      });
      expect(await organizationExists(s2)).toBe(true);
    });
  });

  it('an empty transaction (BEGIN then COMMIT) is one round trip and commits', async () => {
    await withCountedDb(undefined, async (db) => {
      await db.transaction().execute(async () => {});
      expect(counter.roundTrips()).toBe(1);
      const { rows } = await sql<{ ok: number }>`select 1 as ok`.execute(db);
      expect(rows).toEqual([{ ok: 1 }]);
    });
  });
});
