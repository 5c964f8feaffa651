import { createHash } from 'node:crypto';

/**
 * Deterministic ids: the seed computes them in SQL (`bench_uuid(key)`, see BENCH_UUID_FUNCTION) and
 * the bench computes the same ones here, so nothing has to be read back after seeding. The MD5 of the
 * key, with the version and variant bits of a v4 UUID (Roster's inputs accept only those).
 */
export function uuidFor(key: string): string {
  const m = createHash('md5').update(key).digest('hex');
  const h = `${m.slice(0, 12)}4${m.slice(13, 16)}8${m.slice(17)}`;
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export const BENCH_UUID_FUNCTION = `create function bench_uuid(k text) returns uuid immutable language sql as
  $$ select overlay(overlay(md5(k) placing '4' from 13) placing '8' from 17)::uuid $$`;
