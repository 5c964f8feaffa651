import { useOrganizations } from '@roster/react';
import { useNavigate, useParams } from '@tanstack/react-router';
import { useId } from 'react';
import { useTranslation } from 'react-i18next';

const NEW_ORGANIZATION = '__new__';

/** The header's organization switcher: the caller's active memberships, and "New organization…". */
export function OrgSwitcher() {
  const { t } = useTranslation();
  const id = useId();
  const navigate = useNavigate();
  const { orgSlug } = useParams({ strict: false });
  const organizations = useOrganizations();
  const list = organizations.data ?? [];
  const current = list.some((organization) => organization.slug === orgSlug) ? orgSlug : '';
  return (
    <span className="field-inline">
      <label htmlFor={id}>{t('nav.organization')}</label>
      <select
        id={id}
        value={current}
        onChange={(event) => {
          const value = event.target.value;
          if (value === NEW_ORGANIZATION) void navigate({ to: '/app/onboarding' });
          else if (value) void navigate({ to: '/app/$orgSlug', params: { orgSlug: value } });
        }}
      >
        {current === '' && <option value="">{t('nav.switchOrganization')}</option>}
        {list.map((organization) => (
          <option key={organization.id} value={organization.slug}>
            {organization.name}
          </option>
        ))}
        <option value={NEW_ORGANIZATION}>{t('nav.newOrganization')}</option>
      </select>
    </span>
  );
}
