import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_PREPARED_STATEMENTS_PER_CONNECTION } from '../src/create-database';
import { createDatabase, type Database } from '../src/index';
import { createTestDatabase, type TestDatabase } from '../src/testing';

// Prepared statements are a node-postgres feature: on PGlite `createDatabase` ignores the option.
const onPostgres = Boolean(process.env.DATABASE_URL);

let t: TestDatabase;
beforeAll(async () => {
  if (onPostgres) t = await createTestDatabase();
});
afterAll(async () => {
  await t?.destroy();
});

/** The statements prepared on the connection `db` runs on (reading them prepares nothing: no parameters). */
async function preparedOn(db: Kysely<Database>) {
  const { rows } = await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(db);
  return rows.map((r) => r.statement);
}

async function withDb(preparedStatements: boolean | undefined, fn: (db: Kysely<Database>) => Promise<void>) {
  // One connection, so every statement and the read of pg_prepared_statements share a session.
  const db = createDatabase({ url: t.url, maxConnections: 1, preparedStatements });
  try {
    await fn(db);
  } finally {
    await db.destroy();
  }
}

describe.runIf(onPostgres)('prepared statements (postgres)', () => {
  it('prepares a parameterized query once per connection and reuses it; transaction control is not prepared', async () => {
    await withDb(undefined, async (db) => {
      const slug = `prep-${Date.now()}`;
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('organizations').values({ name: 'Prepared', slug }).execute();
        for (let i = 0; i < 3; i++) {
          const org = await trx
            .selectFrom('organizations')
            .select('name')
            .where('slug', '=', slug)
            .executeTakeFirst();
          expect(org?.name).toBe('Prepared');
        }
        const inside = await preparedOn(trx);
        expect(inside).toHaveLength(2);
        expect(inside.some((s) => s.startsWith('insert into "organizations"'))).toBe(true);
        expect(inside.some((s) => s.startsWith('select "name" from "organizations"'))).toBe(true);
        // Reused, not prepared again: the one select statement was executed three times.
        const { rows: plans } = await sql<{ executions: number }>`
          select (generic_plans + custom_plans)::int as executions from pg_prepared_statements
          where statement like 'select "name" from "organizations"%'`.execute(trx);
        expect(plans).toEqual([{ executions: 3 }]);
      });
      // The transaction committed, and BEGIN/COMMIT were not prepared.
      expect(await preparedOn(db)).toHaveLength(2);
      const row = await db
        .selectFrom('organizations')
        .select('name')
        .where('slug', '=', slug)
        .executeTakeFirst();
      expect(row?.name).toBe('Prepared');
      expect(await preparedOn(db)).toHaveLength(2);
    });
  });

  it('prepares nothing with preparedStatements: false', async () => {
    await withDb(false, async (db) => {
      const slug = `unprep-${Date.now()}`;
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('organizations').values({ name: 'Unprepared', slug }).execute();
        const org = await trx
          .selectFrom('organizations')
          .select('name')
          .where('slug', '=', slug)
          .executeTakeFirst();
        expect(org?.name).toBe('Unprepared');
        expect(await preparedOn(trx)).toEqual([]);
      });
      expect(await preparedOn(db)).toEqual([]);
      // The unprepared insert committed like any other.
      const row = await db
        .selectFrom('organizations')
        .select('name')
        .where('slug', '=', slug)
        .executeTakeFirst();
      expect(row?.name).toBe('Unprepared');
    });
  });

  it(`stops naming new statements past ${MAX_PREPARED_STATEMENTS_PER_CONNECTION} on one connection, and still runs them`, async () => {
    await withDb(true, async (db) => {
      const total = MAX_PREPARED_STATEMENTS_PER_CONNECTION + 20;
      for (let i = 0; i < total; i++) {
        // Distinct text each time: dynamic SQL.
        const { rows } = await sql<{ v: number }>`select ${sql.raw(String(i))} + ${1}::int as v`.execute(db);
        expect(rows[0]?.v).toBe(i + 1);
      }
      expect(await preparedOn(db)).toHaveLength(MAX_PREPARED_STATEMENTS_PER_CONNECTION);
      // A statement prepared before the cap is still reused.
      const { rows } = await sql<{ v: number }>`select ${sql.raw('0')} + ${41}::int as v`.execute(db);
      expect(rows[0]?.v).toBe(41);
      expect(await preparedOn(db)).toHaveLength(MAX_PREPARED_STATEMENTS_PER_CONNECTION);
      // ...as its prepared statement (executed twice now), not sent unnamed.
      const { rows: plans } = await sql<{ executions: number }>`
        select (generic_plans + custom_plans)::int as executions from pg_prepared_statements
        where statement = 'select 0 + $1::int as v'`.execute(db);
      expect(plans).toEqual([{ executions: 2 }]);
    });
  });

  it('reports a failing prepared statement to its caller and keeps the connection usable', async () => {
    await withDb(true, async (db) => {
      await expect(sql`select * from no_such_table where id = ${1}`.execute(db)).rejects.toThrow(
        /no_such_table/,
      );
      await expect(sql`select * from no_such_table where id = ${1}`.execute(db)).rejects.toThrow(
        /no_such_table/,
      );
      const { rows } = await sql<{ v: number }>`select ${2}::int as v`.execute(db);
      expect(rows[0]?.v).toBe(2);
      // The failed statement left nothing prepared behind; the one that ran is prepared.
      expect(await preparedOn(db)).toEqual(['select $1::int as v']);
    });
  });
});
