import { type Organization, usePermissions, useRestoreOrganization } from '@roster/react';
import { useTranslation } from 'react-i18next';
import { useAppState } from '../app-state';
import { currentLanguage } from '../i18n';
import { ErrorText } from './ErrorText';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Above every page of an organization scheduled for deletion: how many days are left, and Restore for
 * those the permissions answer allows (owners, during the grace period).
 */
export function DeletionBanner({ organization }: { organization: Organization }) {
  const { t } = useTranslation();
  const { setNotice } = useAppState();
  const permissions = usePermissions(organization.id);
  const restore = useRestoreOrganization();
  if (organization.status !== 'deletion_scheduled' || !organization.deletionDueAt) return null;
  const due = new Date(organization.deletionDueAt);
  const daysLeft = Math.ceil((due.getTime() - Date.now()) / DAY_MS);
  const names = { organization: organization.name };
  return (
    <div className="banner danger" role="alert" data-testid="deletion-banner">
      <p>
        {daysLeft > 0
          ? t('deletion.scheduled', {
              ...names,
              count: daysLeft,
              date: new Intl.DateTimeFormat(currentLanguage(), { dateStyle: 'long' }).format(due),
            })
          : t('deletion.due', names)}
      </p>
      {permissions.data?.restore.allowed && (
        <button
          type="button"
          className="button"
          disabled={restore.isPending}
          onClick={() =>
            restore.mutate(
              { organizationId: organization.id },
              { onSuccess: () => setNotice(t('deletion.restored', names)) },
            )
          }
        >
          {restore.isPending ? t('deletion.restoring') : t('deletion.restore', names)}
        </button>
      )}
      <ErrorText error={restore.error} />
    </div>
  );
}
