import { readFileSync } from 'node:fs';
import type pg from 'pg';
import { uuidFor } from './ids';
import { sessionHeaders } from './roster';
import { seededToken } from './seed';
import { peakRssMiB, resetPeakRss } from './server-process';
import { nowMs } from './stats';

export interface AuditExportResult {
  rows: number;
  /** Set when only the newest entries were exported (a `from` filter). */
  from?: string;
  format: 'csv' | 'jsonl';
  /** Size of the whole export: what building it in memory would have cost at least. */
  bytes: number;
  durationMs: number;
  /** The server's resident set before the export, and its peak during it (VmHWM after a reset). */
  rssBeforeMiB: number | undefined;
  peakRssMiB: number | undefined;
  /** False where the peak could not be reset (then the peak is the process's lifetime peak). */
  peakReset: boolean;
}

function rssMiB(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Math.round((Number(kb) / 1024) * 10) / 10 : undefined;
  } catch {
    return undefined;
  }
}

/** `rows` audit entries in the list organization of `size` members, by its owner, spread over a year. */
export async function seedAuditRows(client: pg.Client, size: number, rows: number): Promise<void> {
  const s = `list${size}`;
  await client.query(
    `insert into audit_log (organization_id, action, actor_user_id, target_user_id, metadata, created_at)
     select bench_uuid($1 || ':org')::uuid, 'member.removed', bench_uuid($1 || ':owner')::uuid,
            bench_uuid('lu:' || (1 + n % $3::int))::uuid,
            jsonb_build_object('role', 'member', 'revoked', jsonb_build_object('apiKeyIds', '[]'::jsonb, 'invitationIds', '[]'::jsonb, 'sessionsCleared', 0)),
            timestamptz '2025-01-01' + n * interval '5 minutes'
     from generate_series(1, $2::int) n`,
    [s, rows, size],
  );
}

/**
 * Downloads the whole audit log of the list organization of `size` members through
 * `GET /v1/organizations/:id/audit-log/export` as its owner, reading the stream as it arrives (counting
 * bytes and lines, keeping nothing), while the server's peak resident set is recorded.
 */
export async function measureAuditExport(options: {
  baseUrl: string;
  pid: number | undefined;
  size: number;
  format: 'csv' | 'jsonl';
  /** Only entries from this instant on (the export's `from` filter), to compare a smaller export. */
  from?: string;
}): Promise<AuditExportResult> {
  const s = `list${options.size}`;
  const organizationId = uuidFor(`${s}:org`);
  const headers = sessionHeaders(seededToken(s, 'owner', 0), options.baseUrl);
  // Let the previous section's garbage settle before the baseline.
  await new Promise((r) => setTimeout(r, 500));
  const rssBeforeMiB = rssMiB(options.pid);
  const peakReset = resetPeakRss(options.pid);
  const t0 = nowMs();
  const res = await fetch(
    `${options.baseUrl}/v1/organizations/${organizationId}/audit-log/export?${new URLSearchParams({
      format: options.format,
      ...(options.from ? { from: options.from } : {}),
    })}`,
    { headers },
  );
  if (res.status !== 200 || !res.body)
    throw new Error(`audit log export answered ${res.status}: ${await res.text()}`);
  let bytes = 0;
  let newlines = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    bytes += chunk.byteLength;
    for (const byte of chunk) if (byte === 10) newlines++;
  }
  const durationMs = Math.round(nowMs() - t0);
  return {
    // JSON Lines: one line per row; CSV: a header line more (no field of these rows holds a line break).
    rows: options.format === 'jsonl' ? newlines : newlines - 1,
    ...(options.from ? { from: options.from } : {}),
    format: options.format,
    bytes,
    durationMs,
    rssBeforeMiB,
    peakRssMiB: peakRssMiB(options.pid),
    peakReset,
  };
}

/** The instant from which the list organization's newest `rows` audit entries start. */
export async function newestEntriesFrom(client: pg.Client, size: number, rows: number): Promise<string> {
  const res = await client.query(
    `select to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as at from audit_log
     where organization_id = bench_uuid($1 || ':org')::uuid order by created_at desc, id desc offset $2 limit 1`,
    [`list${size}`, rows - 1],
  );
  return res.rows[0].at;
}
