import type { CompiledQuery, LogEvent } from 'kysely';
import type pg from 'pg';
import { openDatabase } from './database';
import { HttpClient, trpcQuery } from './http';
import { uuidFor } from './ids';
import {
  callerAs,
  KEYSET_AT_SQL,
  LIST_PAGE_SIZE,
  type ListFilters,
  listCursorFor,
  listInput,
  sessionHeaders,
} from './roster';
import { seededToken } from './seed';
import { type LatencySummary, nowMs, summarize } from './stats';

export interface PlanSummary {
  summary: string;
  /** Index names the plan scans. */
  indexes: string[];
  seqScans: string[];
  sorts: number;
  /** Rows the scan of memberships produced (plus rows it discarded by filter): the work of the page. */
  membershipRowsRead: number;
  usesKeysetIndex: boolean;
  sqlHasOffset: boolean;
  executionMs: number;
  /**
   * The same statement as PostgreSQL runs it once it switches to the prepared statement's generic plan
   * (`@roster/db` prepares every statement; after five runs the plan cache may keep a plan made without
   * the parameters' values): EXPLAIN ANALYZE under `plan_cache_mode = force_generic_plan`.
   */
  genericExecutionMs?: number;
}

export interface ListPageResult {
  /**
   * first/deep: the plain list at its start and 90 % down. search: a query matching a handful of members
   * (trigram indexes). search-broad: a query every member matches (the keyset walk serves it). role: one
   * role, a fifth of the members (its own keyset index).
   */
  page: 'first' | 'deep' | 'search' | 'search-broad' | 'role';
  filters?: ListFilters;
  /** Members the filtered list holds in all (counted in SQL), for the search and role pages. */
  matches?: number;
  /** How many members precede the page in list order. */
  position: number;
  latencyMs: LatencySummary;
  plan: PlanSummary;
}

export interface ListResult {
  size: number;
  seedMs: number;
  pages: ListPageResult[];
}

export const KEYSET_INDEX = 'memberships_active_keyset_idx';

type PlanNode = {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Rows Removed by Filter'?: number;
  Plans?: PlanNode[];
};

export function summarizePlan(root: PlanNode, executionMs: number, sqlText: string): PlanSummary {
  const indexes: string[] = [];
  const seqScans: string[] = [];
  const parts: string[] = [];
  let sorts = 0;
  let membershipRowsRead = 0;
  const walk = (n: PlanNode, depth: number) => {
    // A node that never ran (a branch the statement did not take) read nothing.
    if (n['Actual Loops'] === 0) return;
    const rows = (n['Actual Rows'] ?? 0) * (n['Actual Loops'] ?? 1);
    if (n['Index Name']) indexes.push(n['Index Name']);
    if (n['Node Type'] === 'Seq Scan') seqScans.push(n['Relation Name'] ?? '?');
    if (n['Node Type'].includes('Sort')) sorts++;
    if (n['Relation Name'] === 'memberships') membershipRowsRead += rows + (n['Rows Removed by Filter'] ?? 0);
    if (depth < 4) {
      parts.push(
        `${n['Node Type']}${n['Index Name'] ? ` using ${n['Index Name']}` : n['Relation Name'] ? ` on ${n['Relation Name']}` : ''} (rows ${rows})`,
      );
    }
    for (const c of n.Plans ?? []) walk(c, depth + 1);
  };
  walk(root, 0);
  return {
    summary: `${parts.join(' > ')}; ${executionMs.toFixed(2)} ms`,
    indexes,
    seqScans,
    sorts,
    membershipRowsRead,
    usesKeysetIndex: indexes.includes(KEYSET_INDEX),
    sqlHasOffset: /\boffset\b/i.test(sqlText),
    executionMs,
  };
}

/**
 * The statement `members.list` issues for a page (captured with a Kysely log hook around a createCaller
 * call), then EXPLAIN ANALYZE of exactly that statement and its parameters.
 */
export async function explainListPage(
  url: string,
  client: pg.Client,
  organizationId: string,
  ownerId: string,
  cursor: string | undefined,
  filters: ListFilters = {},
): Promise<PlanSummary> {
  const events: LogEvent[] = [];
  const db = openDatabase(url, {
    max: 1,
    log: (e) => {
      events.push(e);
    },
  });
  try {
    await callerAs(db, ownerId).members.list(listInput(organizationId, cursor, filters) as never);
  } finally {
    await db.destroy();
  }
  const listQuery = events
    .map((e) => e.query as CompiledQuery)
    .filter((q) => /from "?memberships"?/i.test(q.sql) && /order by/i.test(q.sql))
    .at(-1);
  if (!listQuery) {
    return {
      summary: 'list statement not found in the log',
      indexes: [],
      seqScans: [],
      sorts: 0,
      membershipRowsRead: 0,
      usesKeysetIndex: false,
      sqlHasOffset: false,
      executionMs: 0,
    };
  }
  const res = await client.query(
    `explain (analyze, buffers, format json) ${listQuery.sql}`,
    listQuery.parameters as unknown[],
  );
  const plan = res.rows[0]['QUERY PLAN'][0];
  return {
    ...summarizePlan(plan.Plan, plan['Execution Time'], listQuery.sql),
    genericExecutionMs: await explainGeneric(client, listQuery),
  };
}

/** Execution time of `query` under its prepared statement's generic plan (EXPLAIN ANALYZE EXECUTE). */
async function explainGeneric(client: pg.Client, query: CompiledQuery): Promise<number> {
  const values = (query.parameters as unknown[]).map((v) =>
    v === null ? 'null' : client.escapeLiteral(v instanceof Date ? v.toISOString() : String(v)),
  );
  await client.query(`prepare bench_list_page as ${query.sql}`);
  try {
    await client.query('set plan_cache_mode = force_generic_plan');
    const res = await client.query(
      `explain (analyze, format json) execute bench_list_page${values.length ? `(${values.join(', ')})` : ''}`,
    );
    return res.rows[0]['QUERY PLAN'][0]['Execution Time'];
  } finally {
    await client.query('reset plan_cache_mode');
    await client.query('deallocate bench_list_page');
  }
}

/** First and deep page of members.list over HTTP, sequentially, `requests` times each. */
export async function measureList(options: {
  baseUrl: string;
  url: string;
  client: pg.Client;
  size: number;
  requests: number;
  seedMs: number;
}): Promise<ListResult> {
  const { size, client } = options;
  const s = `list${size}`;
  const organizationId = uuidFor(`${s}:org`);
  const ownerId = uuidFor(`${s}:owner`);
  const headers = sessionHeaders(seededToken(s, 'owner', 0), options.baseUrl);
  // The deep page starts 90% of the way down the list; its cursor is the row just before it.
  const position = Math.max(LIST_PAGE_SIZE, Math.floor(size * 0.9));
  const before = (
    await client.query(
      `select id, ${KEYSET_AT_SQL} as "keysetAt" from memberships
       where organization_id = $1 and status = 'active'
       order by created_at, id offset $2 limit 1`,
      [organizationId, position - 1],
    )
  ).rows[0] as { id: string; keysetAt: string };
  const deepCursor = listCursorFor(before);
  const http = new HttpClient(options.baseUrl, 1);
  const pages: ListPageResult[] = [];
  try {
    // A query that matches a handful of members: "member 42421" is list member 42421 (and 424210..., in a
    // larger organization or among the other organizations' users, who share the names).
    const searchQuery = `member ${Math.floor(size * 0.4242) + 1}`;
    const pageSpecs: Array<[ListPageResult['page'], string | undefined, number, ListFilters | undefined]> = [
      ['first', undefined, 0, undefined],
      ['deep', deepCursor, position, undefined],
      ['search', undefined, 0, { query: searchQuery }],
      ['search-broad', undefined, 0, { query: 'bench.test' }],
      ['role', undefined, 0, { role: 'admin' }],
    ];
    for (const [page, cursor, pos, filters] of pageSpecs) {
      const samples: number[] = [];
      const input = listInput(organizationId, cursor, filters);
      // A few unmeasured requests first.
      for (let i = 0; i < 5; i++) await trpcQuery(http, 'members.list', input, headers);
      for (let i = 0; i < options.requests; i++) {
        const t0 = nowMs();
        await trpcQuery(http, 'members.list', input, headers);
        samples.push(nowMs() - t0);
      }
      const plan = await explainListPage(options.url, client, organizationId, ownerId, cursor, filters);
      const matches = filters ? await countMatches(client, organizationId, filters) : undefined;
      pages.push({
        page,
        position: pos,
        latencyMs: summarize(samples),
        plan,
        ...(filters ? { filters, matches } : {}),
      });
    }
  } finally {
    http.close();
  }
  return { size, seedMs: options.seedMs, pages };
}

/** How many active members of the organization the filters match, straight from SQL (for the report). */
async function countMatches(
  client: pg.Client,
  organizationId: string,
  filters: ListFilters,
): Promise<number> {
  const res = await client.query(
    `select count(*)::int as n from memberships m join users u on u.id = m.user_id
     where m.organization_id = $1 and m.status = 'active'
       and ($2::text is null or m.role = $2)
       and ($3::text is null or u.name ilike '%' || $3 || '%' or u.email ilike '%' || $3 || '%')`,
    [organizationId, filters.role ?? null, filters.query ?? null],
  );
  return res.rows[0].n;
}
