export {
  type CreateDatabaseOptions,
  createDatabase,
  type DatabaseKind,
  isPostgresUrl,
} from './create-database';
export { createMigrator, MigrationError, migrateToLatest, migrationsFingerprint } from './migrate';
export * from './schema';
