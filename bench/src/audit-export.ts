import { readFileSync } from 'node:fs';
import type pg from 'pg';
import { uuidFor } from './ids';
import { sessionHeaders } from './roster';
import { seededToken } from './seed';
import {
  type HeapAfterGc,
  heapAfterGc,
  peakRssMiB,
  resetPeakRss,
  type ServerProcess,
} from './server-process';
import { nowMs } from './stats';

export interface AuditExportResult {
  rows: number;
  /** Set when only the newest entries were exported (a `from` filter). */
  from?: string;
  format: 'csv' | 'jsonl';
  /** Size of the whole export: what building it in memory would have cost at least. */
  bytes: number;
  /** The first download, read at full speed with nothing else going on: its duration and the server's RSS. */
  durationMs: number;
  /** The server's resident set before the export, and its peak during it (VmHWM after a reset). */
  rssBeforeMiB: number | undefined;
  peakRssMiB: number | undefined;
  /** Peak minus before: what the export added to the resident set, garbage not yet collected included. */
  peakRssDeltaMiB: number | undefined;
  /** False where the peak could not be reset (then the peak is the process's lifetime peak). */
  peakReset: boolean;
  /**
   * The second download of the same export, with the server's live memory (heap used + external, after a
   * forced full GC, through the bench's heap probe) sampled while it streams. The reader stops reading for
   * `stallMs` after its first chunk, so the server meets backpressure: a server that kept reading rows
   * into memory regardless would show it in `liveMaxMiB`. Undefined without the probe.
   */
  heap?: {
    /** Live memory before the download. */
    beforeMiB: number;
    /** The largest live memory seen during the download (forced GC before each sample). */
    liveMaxMiB: number;
    /** liveMaxMiB - beforeMiB: what the export holds at once. */
    liveGrowthMiB: number;
    /** Live memory after the download: nothing of it should remain. */
    afterMiB: number;
    samples: number;
    stallMs: number;
    durationMs: number;
  };
}

/** Bounded memory, decided from two exports of one format, the larger with (about) ten times the rows. */
export interface AuditExportVerdict {
  format: 'csv' | 'jsonl';
  rows: [number, number];
  /** Live memory held during each export (`heap.liveGrowthMiB`). */
  liveGrowthMiB: [number, number];
  /** Peak RSS added by each export (`peakRssDeltaMiB`), garbage included: shown, not judged. */
  peakRssDeltaMiB: [number | undefined, number | undefined];
  /** How much more the larger export may hold live than the smaller one and still count as bounded. */
  marginMiB: number;
  /** The larger export's live growth exceeds the smaller one's by less than `marginMiB`. */
  bounded: boolean;
}

/**
 * The margin of `bounded`: 5 MiB, about twenty of the export's 500-row batches, where memory that
 * grew with the rows would hold the whole difference (a 100,000-row JSON Lines export is 45 MiB, and
 * more once parsed into row objects).
 */
export const BOUNDED_MARGIN_MIB = 5;

/** The reader's pause after its first chunk in the sampled download. */
const STALL_MS = 2000;
/** Pause between two heap samples (each forces a full GC in the server, which slows it a little). */
const SAMPLE_EVERY_MS = 100;

export function exportVerdicts(results: AuditExportResult[]): AuditExportVerdict[] {
  const verdicts: AuditExportVerdict[] = [];
  for (const format of ['jsonl', 'csv'] as const) {
    const rows = results.filter((r) => r.format === format && r.heap).sort((a, b) => a.rows - b.rows);
    for (let i = 1; i < rows.length; i++) {
      const small = rows[i - 1]!;
      const large = rows[i]!;
      const growth: [number, number] = [small.heap!.liveGrowthMiB, large.heap!.liveGrowthMiB];
      verdicts.push({
        format,
        rows: [small.rows, large.rows],
        liveGrowthMiB: growth,
        peakRssDeltaMiB: [small.peakRssDeltaMiB, large.peakRssDeltaMiB],
        marginMiB: BOUNDED_MARGIN_MIB,
        bounded: growth[1] - growth[0] < BOUNDED_MARGIN_MIB,
      });
    }
  }
  return verdicts;
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

async function download(
  url: string,
  headers: Record<string, string>,
  onFirstChunk?: () => Promise<void>,
): Promise<{ bytes: number; newlines: number }> {
  const res = await fetch(url, { headers });
  if (res.status !== 200 || !res.body)
    throw new Error(`audit log export answered ${res.status}: ${await res.text()}`);
  let bytes = 0;
  let newlines = 0;
  let first = true;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    bytes += chunk.byteLength;
    for (const byte of chunk) if (byte === 10) newlines++;
    if (first && onFirstChunk) await onFirstChunk();
    first = false;
  }
  return { bytes, newlines };
}

const live = (h: HeapAfterGc) => h.heapUsedMiB + h.externalMiB;
const round1 = (x: number) => Math.round(x * 10) / 10;

/**
 * Downloads the audit log of the list organization of `size` members through
 * `GET /v1/organizations/:id/audit-log/export` as its owner, twice, reading each stream as it arrives
 * (counting bytes and lines, keeping nothing): first at full speed while the server's peak resident set
 * is recorded; then, when the server runs with the heap probe, with a stall after the first chunk while
 * its live memory is sampled after forced garbage collections.
 */
export async function measureAuditExport(options: {
  baseUrl: string;
  server: ServerProcess;
  /** The server runs with the heap probe (`startServerProcess({ heapProbe: true })`). */
  heapProbe: boolean;
  size: number;
  format: 'csv' | 'jsonl';
  /** Only entries from this instant on (the export's `from` filter), to compare a smaller export. */
  from?: string;
}): Promise<AuditExportResult> {
  const s = `list${options.size}`;
  const pid = options.server.child.pid;
  const organizationId = uuidFor(`${s}:org`);
  const headers = sessionHeaders(seededToken(s, 'owner', 0), options.baseUrl);
  const url = `${options.baseUrl}/v1/organizations/${organizationId}/audit-log/export?${new URLSearchParams({
    format: options.format,
    ...(options.from ? { from: options.from } : {}),
  })}`;
  // Let the previous export's garbage go before the baseline (with the probe, collect it).
  if (options.heapProbe) await heapAfterGc(options.server.child);
  else await new Promise((r) => setTimeout(r, 500));
  const rssBeforeMiB = rssMiB(pid);
  const peakReset = resetPeakRss(pid);
  const t0 = nowMs();
  const { bytes, newlines } = await download(url, headers);
  const durationMs = Math.round(nowMs() - t0);
  const peak = peakRssMiB(pid);
  const result: AuditExportResult = {
    // JSON Lines: one line per row; CSV: a header line more (no field of these rows holds a line break).
    rows: options.format === 'jsonl' ? newlines : newlines - 1,
    ...(options.from ? { from: options.from } : {}),
    format: options.format,
    bytes,
    durationMs,
    rssBeforeMiB,
    peakRssMiB: peak,
    peakRssDeltaMiB:
      peak !== undefined && rssBeforeMiB !== undefined ? round1(peak - rssBeforeMiB) : undefined,
    peakReset,
  };
  if (!options.heapProbe) return result;

  const child = options.server.child;
  const before = live(await heapAfterGc(child));
  let liveMax = before;
  let samples = 0;
  let done = false;
  const sampler = (async () => {
    while (!done) {
      liveMax = Math.max(liveMax, live(await heapAfterGc(child)));
      samples++;
      await new Promise((r) => setTimeout(r, SAMPLE_EVERY_MS));
    }
  })();
  const t1 = nowMs();
  try {
    const second = await download(url, headers, () => new Promise((r) => setTimeout(r, STALL_MS)));
    if (second.bytes !== bytes)
      throw new Error(`the second export sent ${second.bytes} bytes, the first ${bytes}`);
  } finally {
    done = true;
    await sampler;
  }
  const heapDurationMs = Math.round(nowMs() - t1);
  const after = live(await heapAfterGc(child));
  result.heap = {
    beforeMiB: round1(before),
    liveMaxMiB: round1(liveMax),
    liveGrowthMiB: round1(liveMax - before),
    afterMiB: round1(after),
    samples,
    stallMs: STALL_MS,
    durationMs: heapDurationMs,
  };
  return result;
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
