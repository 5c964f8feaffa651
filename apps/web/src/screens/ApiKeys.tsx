import {
  type ApiKey,
  type CreatedApiKey,
  useApiKeys,
  useCreateApiKey,
  usePermissions,
  useRevokeApiKey,
} from '@roster/react';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useAppState } from '../app-state';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { ErrorText } from '../components/ErrorText';
import { SecretPanel } from '../components/SecretPanel';
import { currentLanguage } from '../i18n';
import { useCurrentOrganization } from './OrgLayout';

const SCOPES = ['members:read', 'members:write', 'audit:read'] as const;

function formatDateTime(value: string | null): string {
  if (!value) return '—';
  return new Intl.DateTimeFormat(currentLanguage(), { dateStyle: 'medium', timeStyle: 'short' }).format(
    new Date(value),
  );
}

/** /app/$orgSlug/settings/api-keys: the organization's API keys (owners and admins). */
export function ApiKeysScreen() {
  const { t } = useTranslation();
  const organization = useCurrentOrganization();
  // Shown from the server's permissions answer; the procedures check again.
  const permissions = usePermissions(organization.id);
  if (!permissions.data) return <ErrorText error={permissions.error} />;
  if (!permissions.data.manageApiKeys.allowed) {
    return (
      <div className="stack">
        <h1>{t('apiKeys.title')}</h1>
        <p>{t('apiKeys.notAllowed')}</p>
      </div>
    );
  }
  return <ApiKeysManager organizationId={organization.id} />;
}

function ApiKeysManager({ organizationId }: { organizationId: string }) {
  const { t } = useTranslation();
  const keys = useApiKeys(organizationId);
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  return (
    <div className="stack">
      <h1>{t('apiKeys.title')}</h1>
      <p>{t('apiKeys.intro')}</p>
      {created ? (
        <SecretPanel
          title={t('apiKeys.createdTitle', { name: created.name })}
          shownOnce={t('apiKeys.shownOnce')}
          secret={created.key}
          testId="new-api-key"
          onDone={() => setCreated(null)}
        />
      ) : (
        <CreateKeyForm organizationId={organizationId} onCreated={setCreated} />
      )}
      <ErrorText error={keys.error} />
      {keys.data && keys.data.items.length === 0 && <p>{t('apiKeys.none')}</p>}
      {keys.data && keys.data.items.length > 0 && (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">{t('apiKeys.name')}</th>
                <th scope="col">{t('apiKeys.prefix')}</th>
                <th scope="col">{t('apiKeys.scopes')}</th>
                <th scope="col">{t('apiKeys.createdBy')}</th>
                <th scope="col">{t('apiKeys.created')}</th>
                <th scope="col">{t('apiKeys.lastUsed')}</th>
                <th scope="col">{t('apiKeys.expires')}</th>
                <th scope="col">{t('apiKeys.status')}</th>
                <th scope="col">
                  <span className="visually-hidden">{t('apiKeys.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {keys.data.items.map((key) => (
                <tr key={key.id} data-testid={`api-key-${key.prefix}`}>
                  <th scope="row">{key.name}</th>
                  <td>
                    <code>{key.prefix}…</code>
                  </td>
                  <td>{key.scopes.join(', ')}</td>
                  <td>{key.createdBy.name}</td>
                  <td>{formatDateTime(key.createdAt)}</td>
                  <td>{key.lastUsedAt ? formatDateTime(key.lastUsedAt) : t('apiKeys.never')}</td>
                  <td>{key.expiresAt ? formatDateTime(key.expiresAt) : t('apiKeys.noExpiry')}</td>
                  <td>{t(`apiKeys.statuses.${key.status}`)}</td>
                  <td className="actions">
                    {key.status !== 'revoked' && <RevokeKey organizationId={organizationId} apiKey={key} />}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

function CreateKeyForm({
  organizationId,
  onCreated,
}: {
  organizationId: string;
  onCreated(created: CreatedApiKey): void;
}) {
  const { t } = useTranslation();
  const create = useCreateApiKey();
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const scopes = SCOPES.filter((scope) => form.get(scope) === 'on');
    const expires = String(form.get('expiresOn') ?? '');
    create.mutate(
      {
        organizationId,
        name: String(form.get('name')).trim(),
        scopes,
        // The end of the chosen day, in the browser's time zone.
        ...(expires ? { expiresAt: new Date(`${expires}T23:59:59`).toISOString() } : {}),
      },
      { onSuccess: onCreated },
    );
  };
  return (
    <section className="card" aria-labelledby="create-key-title">
      <h2 id="create-key-title">{t('apiKeys.createTitle')}</h2>
      <form className="form" onSubmit={submit}>
        <label className="field">
          <span>{t('apiKeys.name')}</span>
          <input name="name" required maxLength={200} autoComplete="off" />
        </label>
        <fieldset className="field">
          <legend>{t('apiKeys.scopes')}</legend>
          {SCOPES.map((scope) => (
            <label key={scope} className="field-inline">
              <input type="checkbox" name={scope} defaultChecked={scope === 'members:read'} />
              <span>
                <code>{scope}</code> — {t(`apiKeys.scopeHelp.${scope}`)}
              </span>
            </label>
          ))}
        </fieldset>
        <label className="field">
          <span>{t('apiKeys.expiresOn')}</span>
          <input name="expiresOn" type="date" />
          <small>{t('apiKeys.expiresHint')}</small>
        </label>
        <ErrorText error={create.error} />
        <button type="submit" className="button primary" disabled={create.isPending}>
          {create.isPending ? t('apiKeys.creating') : t('apiKeys.create')}
        </button>
      </form>
    </section>
  );
}

function RevokeKey({ organizationId, apiKey }: { organizationId: string; apiKey: ApiKey }) {
  const { t } = useTranslation();
  const { setNotice } = useAppState();
  const revoke = useRevokeApiKey();
  const [open, setOpen] = useState(false);
  const names = { name: apiKey.name, prefix: apiKey.prefix };
  return (
    <ConfirmDialog
      trigger={
        <button type="button" className="button small danger" aria-label={t('apiKeys.revokeNamed', names)}>
          {t('apiKeys.revoke')}
        </button>
      }
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (!next) revoke.reset();
      }}
      title={t('apiKeys.revokeTitle', names)}
      description={<p>{t('apiKeys.revokeText', names)}</p>}
      confirmLabel={t('apiKeys.revokeConfirm', names)}
      pendingLabel={t('apiKeys.revoking')}
      cancelLabel={t('apiKeys.cancel')}
      pending={revoke.isPending}
      error={revoke.error}
      onConfirm={() =>
        revoke.mutate(
          { organizationId, apiKeyId: apiKey.id },
          {
            onSuccess: () => {
              setOpen(false);
              setNotice(t('apiKeys.revoked', names));
            },
          },
        )
      }
    />
  );
}
