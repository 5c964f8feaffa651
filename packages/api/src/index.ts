export { AUDIT_ACTIONS, type AuditAction } from './audit-actions';
export {
  type Actor,
  API_KEY_SCOPES,
  type ApiKeyCaller,
  type ApiKeyScope,
  type Caller,
  type Context,
  type CookieOptions,
  type CreateContextInnerOptions,
  createContextInner,
  type HttpContext,
  type UserCaller,
} from './context';
export {
  ERROR_DOCS_PATH,
  PROBLEM_CONTENT_TYPE,
  type RosterErrorInput,
  type RosterErrorShape,
  type RosterProblem,
  rosterErrorShape,
  toProblem,
} from './error-body';
export {
  ERROR_REASON_LIST,
  ERROR_REASONS,
  type ErrorReason,
  type ErrorReasonSpec,
  type ErrorStatus,
  errorDocsUrl,
  errorStatus,
  errorTitle,
  isZodLike,
  RosterError,
  reasonOf,
  rosterErrorOf,
} from './errors';
export {
  type ClaimedDelivery,
  claimDueDeliveries,
  type DeliveryOutcome,
  type DeliveryStatus,
  enqueueEvent,
  fanOutWebhookEvents,
  releaseDelivery,
  settleDelivery,
} from './events/outbox';
export {
  configureWebhookSecrets,
  createWebhookSecretBox,
  DEVELOPMENT_WEBHOOK_SECRETS_KEY,
  encryptPlainWebhookSecrets,
  readWebhookSecret,
  type WebhookSecretBox,
  WebhookSecretUnreadableError,
  webhookSecretBox,
} from './events/secrets';
export {
  generateWebhookSecret,
  STANDARD_WEBHOOK_HEADERS,
  signStandardWebhook,
  signWebhookPayload,
  type VerifyWebhookOptions,
  verifyWebhookSignature,
  WEBHOOK_HEADERS,
  webhookSigningKey,
} from './events/signing';
export {
  type EventActor,
  ROSTER_EVENT_TYPES,
  type RosterEvent,
  type RosterEventPayloads,
  type RosterEventType,
} from './events/types';
export {
  type AuthenticateOptions,
  type AuthenticationRequest,
  authenticateRequest,
  bearerToken,
  createSession,
  generateApiKey,
  hashPassword,
  isWellFormedApiKey,
  SESSION_COOKIE,
  SESSION_TTL_MS,
  sessionToken,
  sha256Hex,
  verifyPassword,
} from './identity/index';
export * from './mail/index';
export { type AppRouter, appRouter, createCaller } from './router';
export {
  ACCESS_RULES,
  type AccessActor,
  type AccessRule,
  accessRefusal,
  canChangeRole,
  canManageInvitation,
  canRemoveMember,
  DEFAULT_ORG_DELETION_GRACE_DAYS,
  leavesNoOwner,
  type Permission,
  type Permissions,
  permissionsFor,
  type RuleActor,
  type ScopedProcedure,
  UNSCOPED_PROCEDURES,
} from './rules';
export {
  AUDIT_CSV_COLUMNS,
  type AuditItem,
  type AuditLogExportInput,
  auditLogExportChunks,
  auditLogExportFormat,
  auditLogFilterShape,
  auditLogReadRule,
  EXPORT_BATCH_SIZE,
  prepareAuditLogExport,
} from './services/audit-log';
export {
  type EndMembershipParams,
  type EndMembershipResult,
  endMembership,
} from './services/end-membership';
export { type PurgeOptions, type PurgeResult, purgeDueOrganizations } from './services/purge';
export {
  formatRosterError,
  type RestMethod,
  type RosterErrorData,
  type RosterMeta,
  withRequestId,
} from './trpc';
