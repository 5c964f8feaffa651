export {
  type ErrorReason,
  errorReason,
  isRosterError,
  type RosterClientError,
  type RosterErrorData,
} from './errors';
export {
  type ApiKey,
  type CreateApiKeyInput,
  type CreatedApiKey,
  useApiKeys,
  useCreateApiKey,
  useRevokeApiKey,
} from './hooks/apiKeys';
export {
  type AuditAction,
  type AuditEntry,
  type AuditLogFilters,
  type AuditLogInput,
  type AuditLogResult,
  auditLogExportPath,
  useAuditLog,
} from './hooks/auditLog';
export {
  useRequestPasswordReset,
  useResendVerification,
  useResetPassword,
  useVerifyEmail,
} from './hooks/email';
export {
  type Invitation,
  type InvitationPreview,
  type MyInvitation,
  useAcceptInvitation,
  useAcceptInvitationByToken,
  useCreateInvitation,
  useInvitationByToken,
  useInvitations,
  useMyInvitations,
  useResendInvitation,
  useRevokeInvitation,
} from './hooks/invitations';
export {
  type LeaveOrganizationResult,
  type LeaveResult,
  type UseLeaveOrganizationOptions,
  useLeaveOrganization,
} from './hooks/leave';
export {
  type Member,
  type MembersInput,
  type MembersResult,
  useMembers,
  useRemoveMember,
  useTransferOwnership,
  useUpdateMemberRole,
} from './hooks/members';
export {
  type CreateOrganizationInput,
  type Organization,
  type OrganizationExport,
  type ScheduleDeletionResult,
  type UpdateOrganizationInput,
  useCreateOrganization,
  useExportOrganization,
  useOrganization,
  useOrganizations,
  useRestoreOrganization,
  useScheduleDeletion,
  useUpdateOrganization,
} from './hooks/organizations';
export {
  type OwnershipOffer,
  useAcceptOwnership,
  useCancelOwnershipOffer,
  useDeclineOwnership,
  useOfferOwnership,
  useOwnershipOffer,
} from './hooks/ownership';
export {
  canLeave,
  type Permission,
  type Permissions,
  type PermissionsResult,
  usePermissions,
} from './hooks/permissions';
export { type Session, type SessionUser, useSession } from './hooks/session';
export {
  type CreatedWebhook,
  type CreateWebhookInput,
  useCreateWebhook,
  useDeleteWebhook,
  useRedeliverWebhook,
  useRotateWebhookSecret,
  useWebhookDeliveries,
  useWebhooks,
  type Webhook,
  type WebhookDeliveriesInput,
  type WebhookDelivery,
} from './hooks/webhooks';
export {
  type CreateRosterTRPCClientOptions,
  createRosterTRPCClient,
  RosterProvider,
  type RosterProviderProps,
} from './provider';
export type {
  RosterHookError,
  RosterInfiniteQueryResult,
  RosterMutationResult,
  RosterQueryResult,
  WithReason,
} from './results';
export {
  type AppRouter,
  type RosterReactQueryOptions,
  type RosterTRPCClient,
  type RouterInputs,
  type RouterOutputs,
  trpc,
} from './trpc';
