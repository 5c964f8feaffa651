import {
  type CreatedWebhook,
  type CreateWebhookInput,
  useCreateWebhook,
  useDeleteWebhook,
  usePermissions,
  useRedeliverWebhook,
  useRotateWebhookSecret,
  useWebhookDeliveries,
  useWebhooks,
  type Webhook,
  type WebhookDelivery,
} from '@roster/react';
import { type FormEvent, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useAppState } from '../app-state';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { ErrorText } from '../components/ErrorText';
import { SecretPanel } from '../components/SecretPanel';
import { currentLanguage } from '../i18n';
import type { Messages } from '../i18n/en';
import { useCurrentOrganization } from './OrgLayout';

type EventType = NonNullable<CreateWebhookInput['eventTypes']>[number];

// Every event type the API accepts, in its order: the `satisfies` fails the build when one is added there.
const EVENT_TYPES = Object.keys({
  'member.added': 1,
  'member.removed': 1,
  'member.role_changed': 1,
  'ownership.transferred': 1,
  'ownership.offered': 1,
  'ownership.declined': 1,
  'ownership.offer_cancelled': 1,
  'organization.deletion_scheduled': 1,
  'organization.restored': 1,
  'organization.deleted': 1,
} satisfies Record<EventType, 1>) as EventType[];

/** The i18n key of an event type (i18next reads dots as nesting). */
const eventKey = (type: EventType) => type.replaceAll('.', '_') as keyof Messages['webhooks']['eventTypes'];

/** Deliveries shown per endpoint, newest first. */
const DELIVERIES_SHOWN = 10;

function formatDateTime(value: string): string {
  return new Intl.DateTimeFormat(currentLanguage(), { dateStyle: 'medium', timeStyle: 'medium' }).format(
    new Date(value),
  );
}

/** /app/$orgSlug/settings/webhooks: the organization's webhook endpoints and their deliveries (owners). */
export function WebhooksScreen() {
  const { t } = useTranslation();
  const organization = useCurrentOrganization();
  // Shown from the server's permissions answer; the procedures check again.
  const permissions = usePermissions(organization.id);
  if (!permissions.data) return <ErrorText error={permissions.error} />;
  if (!permissions.data.manageWebhooks.allowed) {
    return (
      <div className="stack">
        <h1>{t('webhooks.title')}</h1>
        <p>{t('webhooks.notAllowed')}</p>
      </div>
    );
  }
  return <WebhooksManager organizationId={organization.id} />;
}

function WebhooksManager({ organizationId }: { organizationId: string }) {
  const { t } = useTranslation();
  const webhooks = useWebhooks(organizationId);
  const [created, setCreated] = useState<CreatedWebhook | null>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  return (
    <div className="stack">
      <h1 ref={headingRef} tabIndex={-1}>
        {t('webhooks.title')}
      </h1>
      <p>{t('webhooks.intro')}</p>
      {created ? (
        <SecretPanel
          title={t('webhooks.createdTitle', { url: created.url })}
          shownOnce={t('webhooks.shownOnce')}
          secret={created.secret}
          testId="webhook-secret"
          onDone={() => setCreated(null)}
        />
      ) : (
        <CreateWebhookForm organizationId={organizationId} onCreated={setCreated} />
      )}
      <ErrorText error={webhooks.error} />
      {webhooks.data && webhooks.data.length === 0 && <p>{t('webhooks.none')}</p>}
      {webhooks.data?.map((webhook) => (
        <Endpoint
          key={webhook.id}
          organizationId={organizationId}
          webhook={webhook}
          focusAfterDelete={() => headingRef.current?.focus()}
          refreshEndpoints={() => void webhooks.refetch()}
        />
      ))}
    </div>
  );
}

function CreateWebhookForm({
  organizationId,
  onCreated,
}: {
  organizationId: string;
  onCreated(created: CreatedWebhook): void;
}) {
  const { t } = useTranslation();
  const hintId = useId();
  const create = useCreateWebhook();
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const eventTypes = EVENT_TYPES.filter((type) => form.get(type) === 'on');
    const description = String(form.get('description') ?? '').trim();
    create.mutate(
      {
        organizationId,
        url: String(form.get('url')).trim(),
        ...(description ? { description } : {}),
        // None chosen: every event type, including types added later.
        ...(eventTypes.length > 0 ? { eventTypes } : {}),
      },
      { onSuccess: onCreated },
    );
  };
  return (
    <section className="card" aria-labelledby="create-webhook-title">
      <h2 id="create-webhook-title">{t('webhooks.createTitle')}</h2>
      <form className="form" onSubmit={submit}>
        <label className="field">
          <span>{t('webhooks.url')}</span>
          <input
            name="url"
            type="url"
            required
            maxLength={2000}
            autoComplete="off"
            placeholder="https://example.com/roster"
          />
        </label>
        <label className="field">
          <span>{t('webhooks.description')}</span>
          <input name="description" maxLength={200} autoComplete="off" />
        </label>
        <fieldset className="field" aria-describedby={hintId}>
          <legend>{t('webhooks.events')}</legend>
          <small id={hintId}>{t('webhooks.eventsHint')}</small>
          {EVENT_TYPES.map((type) => (
            <label key={type} className="field-inline">
              <input type="checkbox" name={type} />
              <span>
                <code>{type}</code> — {t(`webhooks.eventTypes.${eventKey(type)}`)}
              </span>
            </label>
          ))}
        </fieldset>
        <ErrorText error={create.error} />
        <button type="submit" className="button primary" disabled={create.isPending}>
          {create.isPending ? t('webhooks.creating') : t('webhooks.create')}
        </button>
      </form>
    </section>
  );
}

function Endpoint({
  organizationId,
  webhook,
  focusAfterDelete,
  refreshEndpoints,
}: {
  organizationId: string;
  webhook: Webhook;
  focusAfterDelete(): void;
  /** Refetches the endpoints (their state: failures in a row, a pause). */
  refreshEndpoints(): void;
}) {
  const { t } = useTranslation();
  const titleId = useId();
  const [secret, setSecret] = useState<string | null>(null);
  const paused =
    webhook.pausedUntil && Date.parse(webhook.pausedUntil) > Date.now() ? webhook.pausedUntil : null;
  return (
    <section className="card stack" aria-labelledby={titleId} data-testid={`webhook-${webhook.id}`}>
      <h2 id={titleId}>{webhook.url}</h2>
      {webhook.description && <p>{webhook.description}</p>}
      <dl className="facts">
        <dt>{t('webhooks.events')}</dt>
        <dd>{webhook.eventTypes ? webhook.eventTypes.join(', ') : t('webhooks.allEvents')}</dd>
        <dt>{t('webhooks.created')}</dt>
        <dd>{formatDateTime(webhook.createdAt)}</dd>
        <dt>{t('webhooks.state')}</dt>
        <dd>
          {paused
            ? t('webhooks.paused', { count: webhook.consecutiveFailures, until: formatDateTime(paused) })
            : webhook.consecutiveFailures > 0
              ? t('webhooks.failing', { count: webhook.consecutiveFailures })
              : t('webhooks.active')}
        </dd>
      </dl>
      {secret ? (
        <SecretPanel
          title={t('webhooks.rotatedTitle', { url: webhook.url })}
          shownOnce={t('webhooks.shownOnce')}
          secret={secret}
          testId="webhook-secret"
          onDone={() => setSecret(null)}
        />
      ) : (
        <div className="row">
          <RotateSecret organizationId={organizationId} webhook={webhook} onRotated={setSecret} />
          <DeleteWebhook
            organizationId={organizationId}
            webhook={webhook}
            focusAfterDelete={focusAfterDelete}
          />
        </div>
      )}
      <Deliveries organizationId={organizationId} webhook={webhook} refreshEndpoints={refreshEndpoints} />
    </section>
  );
}

function RotateSecret({
  organizationId,
  webhook,
  onRotated,
}: {
  organizationId: string;
  webhook: Webhook;
  onRotated(secret: string): void;
}) {
  const { t } = useTranslation();
  const rotate = useRotateWebhookSecret();
  const [open, setOpen] = useState(false);
  const rotated = useRef(false);
  const names = { url: webhook.url };
  return (
    <ConfirmDialog
      trigger={
        <button type="button" className="button" aria-label={t('webhooks.rotateNamed', names)}>
          {t('webhooks.rotate')}
        </button>
      }
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (next) rotated.current = false;
        else rotate.reset();
      }}
      // The new secret's panel takes focus; otherwise focus goes back to the button.
      onCloseAutoFocus={(event) => {
        if (rotated.current) event.preventDefault();
      }}
      title={t('webhooks.rotateTitle', names)}
      description={<p>{t('webhooks.rotateText', names)}</p>}
      confirmLabel={t('webhooks.rotateConfirm')}
      pendingLabel={t('webhooks.rotating')}
      cancelLabel={t('webhooks.cancel')}
      pending={rotate.isPending}
      error={rotate.error}
      onConfirm={() =>
        rotate.mutate(
          { organizationId, webhookId: webhook.id },
          {
            onSuccess: (result) => {
              rotated.current = true;
              setOpen(false);
              onRotated(result.secret);
            },
          },
        )
      }
    />
  );
}

function DeleteWebhook({
  organizationId,
  webhook,
  focusAfterDelete,
}: {
  organizationId: string;
  webhook: Webhook;
  focusAfterDelete(): void;
}) {
  const { t } = useTranslation();
  const { setNotice } = useAppState();
  const remove = useDeleteWebhook();
  const [open, setOpen] = useState(false);
  const deleted = useRef(false);
  const names = { url: webhook.url };
  return (
    <ConfirmDialog
      trigger={
        <button type="button" className="button danger" aria-label={t('webhooks.deleteNamed', names)}>
          {t('webhooks.delete')}
        </button>
      }
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (!next) remove.reset();
      }}
      // The endpoint (and this button) is gone: focus the page's heading instead.
      onCloseAutoFocus={(event) => {
        if (!deleted.current) return;
        event.preventDefault();
        focusAfterDelete();
      }}
      title={t('webhooks.deleteTitle', names)}
      description={<p>{t('webhooks.deleteText', names)}</p>}
      confirmLabel={t('webhooks.deleteConfirm')}
      pendingLabel={t('webhooks.deleting')}
      cancelLabel={t('webhooks.cancel')}
      pending={remove.isPending}
      error={remove.error}
      onConfirm={() =>
        remove.mutate(
          { organizationId, webhookId: webhook.id },
          {
            onSuccess: () => {
              deleted.current = true;
              setOpen(false);
              setNotice(t('webhooks.deleted', names));
            },
          },
        )
      }
    />
  );
}

function deliveryStatus(delivery: WebhookDelivery) {
  if (delivery.status === 'pending') return delivery.attempts > 0 ? 'retrying' : 'pending';
  return delivery.status;
}

function Deliveries({
  organizationId,
  webhook,
  refreshEndpoints,
}: {
  organizationId: string;
  webhook: Webhook;
  refreshEndpoints(): void;
}) {
  const { t } = useTranslation();
  const titleId = useId();
  const deliveries = useWebhookDeliveries({ organizationId, webhookId: webhook.id, limit: DELIVERIES_SHOWN });
  return (
    <section className="stack" aria-labelledby={titleId}>
      <div className="row heading-row">
        <h3 id={titleId}>{t('webhooks.deliveries')}</h3>
        <button
          type="button"
          className="button small"
          aria-label={t('webhooks.refreshNamed', { url: webhook.url })}
          disabled={deliveries.isFetching}
          onClick={() => {
            void deliveries.refetch();
            refreshEndpoints();
          }}
        >
          {t('webhooks.refresh')}
        </button>
      </div>
      <ErrorText error={deliveries.error} />
      {deliveries.data && deliveries.data.length === 0 && (
        <p className="muted">{t('webhooks.noDeliveries')}</p>
      )}
      {deliveries.data && deliveries.data.length > 0 && (
        <div className="table-wrap">
          <table className="table">
            <caption className="visually-hidden">{t('webhooks.deliveriesOf', { url: webhook.url })}</caption>
            <thead>
              <tr>
                <th scope="col">{t('webhooks.event')}</th>
                <th scope="col">{t('webhooks.status')}</th>
                <th scope="col">{t('webhooks.attempts')}</th>
                <th scope="col">{t('webhooks.lastError')}</th>
                <th scope="col">{t('webhooks.time')}</th>
                <th scope="col">
                  <span className="visually-hidden">{t('webhooks.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {deliveries.data.map((delivery) => (
                <tr key={delivery.id} data-testid={`delivery-${delivery.id}`}>
                  <th scope="row">
                    <code>{delivery.eventType}</code>
                  </th>
                  <td>{t(`webhooks.statuses.${deliveryStatus(delivery)}`)}</td>
                  <td>{t('webhooks.attemptCount', { count: delivery.attempts })}</td>
                  <td>{delivery.lastError ?? '—'}</td>
                  <td>{formatDateTime(delivery.lastAttemptAt ?? delivery.createdAt)}</td>
                  <td className="actions">
                    {delivery.status === 'dead' && (
                      <Redeliver organizationId={organizationId} delivery={delivery} />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** Sends a dead delivery once more (the server refuses a second ask while it is queued). */
function Redeliver({ organizationId, delivery }: { organizationId: string; delivery: WebhookDelivery }) {
  const { t } = useTranslation();
  const { setNotice } = useAppState();
  const redeliver = useRedeliverWebhook();
  const names = { type: delivery.eventType, time: formatDateTime(delivery.createdAt) };
  return (
    <>
      <button
        type="button"
        className="button small"
        aria-label={t('webhooks.redeliverNamed', names)}
        disabled={redeliver.isPending}
        onClick={() =>
          redeliver.mutate(
            { organizationId, deliveryId: delivery.id },
            { onSuccess: () => setNotice(t('webhooks.redelivered', names)) },
          )
        }
      >
        {redeliver.isPending ? t('webhooks.redelivering') : t('webhooks.redeliver')}
      </button>
      <ErrorText error={redeliver.error} />
    </>
  );
}
