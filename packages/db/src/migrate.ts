import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { type MigrationProvider, type MigrationResultSet, Migrator } from 'kysely/migration';
import { migrations } from './migrations/index';

const provider: MigrationProvider = { getMigrations: async () => migrations };

export function createMigrator(db: Kysely<any>): Migrator {
  // Helpers land migrations with fixed name prefixes but not in name order (a 0500 can land before a
  // 0100), so a database migrated in between must accept an earlier-named migration arriving later.
  return new Migrator({ db, provider, allowUnorderedMigrations: true });
}

export class MigrationError extends Error {
  constructor(
    message: string,
    readonly results: MigrationResultSet['results'],
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

/**
 * Applies every pending migration. Safe to call on every start: Kysely's Migrator takes a lock,
 * so concurrent starts apply each migration once, and a second run is a no-op.
 * Returns the names of the migrations it applied.
 */
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  const { error, results } = await createMigrator(db).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new MigrationError(
      `migration ${failed} failed: ${String((error as Error).message ?? error)}`,
      results,
      {
        cause: error,
      },
    );
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** A fingerprint of the migrations' names and code, used to name migrated template databases. */
export function migrationsFingerprint(): string {
  const hash = createHash('sha256');
  for (const [name, migration] of Object.entries(migrations)) {
    hash.update(name).update(String(migration.up)).update(String(migration.down));
  }
  return hash.digest('hex').slice(0, 12);
}
