import { type Organization, useUpdateOrganization } from '@roster/react';
import { useNavigate } from '@tanstack/react-router';
import type { FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useAppState } from '../app-state';
import { ErrorText } from './ErrorText';

/** Settings' name and slug form (owners and admins): a new slug moves the app to the new address. */
export function OrganizationForm({ organization }: { organization: Organization }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const { setNotice } = useAppState();
  const update = useUpdateOrganization({
    onUpdated: (updated) => {
      setNotice(t('settings.updated', { organization: updated.name }));
      if (updated.slug !== organization.slug) {
        void navigate({ to: '/app/$orgSlug/settings', params: { orgSlug: updated.slug } });
      }
    },
  });
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const name = String(form.get('name')).trim();
    const slug = String(form.get('slug')).trim().toLowerCase();
    // Both are sent; the server changes (and audits) only what differs.
    update.mutate({ organizationId: organization.id, name, slug });
  };
  return (
    <form className="form" onSubmit={submit} key={`${organization.name}/${organization.slug}`}>
      <label className="field">
        <span>{t('settings.name')}</span>
        <input name="name" defaultValue={organization.name} required maxLength={200} autoComplete="off" />
      </label>
      <label className="field">
        <span>{t('settings.slug')}</span>
        <input
          name="slug"
          defaultValue={organization.slug}
          required
          maxLength={63}
          pattern="[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?"
          autoComplete="off"
        />
        <small>{t('settings.slugHint')}</small>
      </label>
      <ErrorText error={update.error} />
      <button type="submit" className="button primary" disabled={update.isPending}>
        {update.isPending ? t('settings.saving') : t('settings.save')}
      </button>
    </form>
  );
}
