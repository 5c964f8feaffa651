import { RosterError } from './errors';

/** How deep `findUnstorableText` looks; zod refuses anything deeper than an input schema goes anyway. */
const MAX_DEPTH = 32;
/** In a `u` regex, paired surrogates are one code point: only unpaired ones match. */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * The first string (or key) in an input that PostgreSQL `text` cannot store as sent: a NUL character
 * (U+0000, which Postgres refuses with an error) or a lone UTF-16 surrogate (which would be silently
 * replaced by U+FFFD). Null when there is none.
 */
export function findUnstorableText(
  value: unknown,
  path: Array<string | number> = [],
): { path: Array<string | number>; message: string; code: string } | null {
  if (typeof value === 'string') {
    if (value.includes('\u0000'))
      return { path, message: 'Text may not contain NUL characters', code: 'invalid_string' };
    if (LONE_SURROGATE.test(value))
      return { path, message: 'Text must be well-formed Unicode', code: 'invalid_string' };
    return null;
  }
  if (typeof value !== 'object' || value === null || path.length >= MAX_DEPTH) return null;
  const entries: Array<[string | number, unknown]> = Array.isArray(value)
    ? value.map((v, i) => [i, v])
    : Object.entries(value);
  for (const [key, child] of entries) {
    if (typeof key === 'string') {
      const inKey = findUnstorableText(key, [...path, key]);
      if (inKey) return inKey;
    }
    const found = findUnstorableText(child, [...path, key]);
    if (found) return found;
  }
  return null;
}

/**
 * Refuses input text the database could not store faithfully: a typed VALIDATION_FAILED naming the
 * field, instead of a database error (500) halfway through a handler. Every procedure runs it before
 * its handler (`publicProcedure`).
 */
export function rejectUnstorableInput(input: unknown): void {
  const problem = findUnstorableText(input);
  if (problem) throw new RosterError('VALIDATION_FAILED', 'Invalid input', { cause: { issues: [problem] } });
}
