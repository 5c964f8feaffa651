// docs/errors.md says which procedures answer SESSION_REQUIRED to an API key; the list is checked against
// the access table the guards read (ACCESS_RULES without an API-key scope, and the people-only entries of
// UNSCOPED_PROCEDURES), both ways.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ACCESS_RULES, UNSCOPED_PROCEDURES } from '@roster/api';
import { describe, expect, it } from 'vitest';

const errorsMd = readFileSync(join(import.meta.dirname, '..', 'errors.md'), 'utf8');

function section(reason: string): string {
  return errorsMd.split(new RegExp(`^## ${reason}$`, 'm'))[1]?.split(/^## /m)[0] ?? '';
}

describe('docs/errors.md', () => {
  it('lists exactly the people-only procedures under SESSION_REQUIRED', () => {
    const peopleOnly = [
      ...Object.entries(ACCESS_RULES)
        .filter(([, rule]) => !('apiKeyScope' in rule))
        .map(([procedure]) => procedure),
      ...Object.entries(UNSCOPED_PROCEDURES)
        .filter(([, who]) => who === 'people')
        .map(([procedure]) => procedure),
    ].sort();
    const documented = [...section('SESSION_REQUIRED').matchAll(/`([a-zA-Z]+\.[a-zA-Z]+)`/g)]
      .map((match) => match[1])
      .sort();
    expect(peopleOnly.length).toBeGreaterThan(5);
    expect([...new Set(documented)]).toEqual(peopleOnly);
  });
});
