import { SECRET_GC_TIME, withReason } from '../cache';
import type { RosterMutationResult, RosterQueryResult } from '../results';
import { type RouterInputs, type RouterOutputs, trpc } from '../trpc';

/** A webhook endpoint as `useWebhooks` lists it: URL, event types (null: all), circuit state (never its secret). */
export type Webhook = RouterOutputs['webhooks']['list'][number];
export type CreateWebhookInput = RouterInputs['webhooks']['create'];
/** `webhooks.create`'s answer: `secret` (`whsec_...`) is in this answer only. */
export type CreatedWebhook = RouterOutputs['webhooks']['create'];
/** One (event, endpoint) delivery: `status` `pending` | `delivered` | `dead`, `attempts`, `lastError`. */
export type WebhookDelivery = RouterOutputs['webhooks']['deliveries'][number];
export type WebhookDeliveriesInput = RouterInputs['webhooks']['deliveries'];

type Utils = ReturnType<typeof trpc.useUtils>;

/** After a webhook change: the organization's endpoints, their deliveries and the audit log. */
function invalidateWebhooks(utils: Utils, organizationId: string) {
  return Promise.all([
    utils.webhooks.list.invalidate({ organizationId }),
    utils.webhooks.deliveries.invalidate({ organizationId }),
    utils.auditLog.list.invalidate({ organizationId }),
  ]);
}

/** The organization's webhook endpoints, oldest first (owners only). */
export function useWebhooks(organizationId: string): RosterQueryResult<Webhook[]> {
  return withReason(trpc.webhooks.list.useQuery({ organizationId }));
}

/**
 * The most recent deliveries, newest first (owners only): of one endpoint with `webhookId`, of one status
 * with `status` (`dead`: the dead letters). Refetched every `pollMs` (default 5 s) while one is pending.
 */
export function useWebhookDeliveries(
  input: WebhookDeliveriesInput,
  options: { pollMs?: number } = {},
): RosterQueryResult<WebhookDelivery[]> {
  return withReason(
    trpc.webhooks.deliveries.useQuery(input, {
      refetchInterval: (query) =>
        query.state.data?.some((delivery) => delivery.status === 'pending')
          ? (options.pollMs ?? 5000)
          : false,
    }),
  );
}

/**
 * Registers an endpoint: `create.mutate({ organizationId, url, eventTypes? })`; the answer's `secret` is
 * shown this once. The endpoint list (and audit log) is refetched.
 */
export function useCreateWebhook(): RosterMutationResult<CreatedWebhook, CreateWebhookInput> {
  const utils = trpc.useUtils();
  return withReason(
    trpc.webhooks.create.useMutation({
      gcTime: SECRET_GC_TIME,
      onSettled: (_result, _error, { organizationId }) => void invalidateWebhooks(utils, organizationId),
    }),
  );
}

/** Deletes an endpoint: `remove.mutate({ organizationId, webhookId })`; its pending deliveries go with it. */
export function useDeleteWebhook(): RosterMutationResult<
  RouterOutputs['webhooks']['delete'],
  RouterInputs['webhooks']['delete']
> {
  const utils = trpc.useUtils();
  return withReason(
    trpc.webhooks.delete.useMutation({
      onSettled: (_result, _error, { organizationId }) => void invalidateWebhooks(utils, organizationId),
    }),
  );
}

/**
 * Replaces an endpoint's signing secret: `rotate.mutate({ organizationId, webhookId })`; the answer's
 * `secret` is the new one, shown this once; the old one stops verifying at once.
 */
export function useRotateWebhookSecret(): RosterMutationResult<
  RouterOutputs['webhooks']['rotateSecret'],
  RouterInputs['webhooks']['rotateSecret']
> {
  const utils = trpc.useUtils();
  return withReason(
    trpc.webhooks.rotateSecret.useMutation({
      gcTime: SECRET_GC_TIME,
      onSettled: (_result, _error, { organizationId }) => void invalidateWebhooks(utils, organizationId),
    }),
  );
}

/**
 * Sends a dead delivery once more: `redeliver.mutate({ organizationId, deliveryId })`. Only a `dead`
 * delivery can be redelivered; asking again while it is queued or once delivered is refused
 * (`reason`: WEBHOOK_DELIVERY_NOT_REDELIVERABLE). Deliveries and endpoints (the lifted pause) are refetched.
 */
export function useRedeliverWebhook(): RosterMutationResult<
  RouterOutputs['webhooks']['redeliver'],
  RouterInputs['webhooks']['redeliver']
> {
  const utils = trpc.useUtils();
  return withReason(
    trpc.webhooks.redeliver.useMutation({
      onSettled: (_result, _error, { organizationId }) => void invalidateWebhooks(utils, organizationId),
    }),
  );
}
