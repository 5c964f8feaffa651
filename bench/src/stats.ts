/** Latency samples in milliseconds, summarised as percentiles. */
export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export function summarize(samples: ArrayLike<number>): LatencySummary {
  const sorted = Float64Array.from(samples).sort();
  const n = sorted.length;
  if (n === 0) return { count: 0, p50: 0, p90: 0, p99: 0, max: 0, mean: 0 };
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    count: n,
    p50: round(percentile(sorted, 0.5)),
    p90: round(percentile(sorted, 0.9)),
    p99: round(percentile(sorted, 0.99)),
    max: round(sorted[n - 1]!),
    mean: round(sum / n),
  };
}

/** Nearest-rank percentile of sorted samples. */
function percentile(sorted: Float64Array, q: number): number {
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1]!;
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/**
 * Runs `total` operations with at most `concurrency` in flight; each worker takes the next index.
 * Returns the per-operation latencies (ms), the errors and the wall time.
 */
export async function runClosedLoop(
  total: number,
  concurrency: number,
  op: (index: number, worker: number) => Promise<void>,
): Promise<{ latencies: Float64Array; errors: { index: number; message: string }[]; wallMs: number }> {
  const latencies = new Float64Array(total);
  const errors: { index: number; message: string }[] = [];
  let next = 0;
  const started = nowMs();
  const worker = async (w: number) => {
    for (;;) {
      const i = next++;
      if (i >= total) return;
      const t0 = nowMs();
      try {
        await op(i, w);
      } catch (error) {
        errors.push({ index: i, message: error instanceof Error ? error.message : String(error) });
      }
      latencies[i] = nowMs() - t0;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, (_, w) => worker(w)));
  return { latencies, errors, wallMs: nowMs() - started };
}
