import { type Organization, useExportOrganization } from '@roster/react';
import { useTranslation } from 'react-i18next';
import { ErrorText } from './ErrorText';

/** Settings: download the organization's export (members, invitations, audit log) as a JSON file. */
export function ExportOrganization({ organization }: { organization: Organization }) {
  const { t } = useTranslation();
  const exportOrganization = useExportOrganization();
  const download = async () => {
    const data = await exportOrganization.mutateAsync({ organizationId: organization.id });
    const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = `${organization.slug}-export.json`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 0);
  };
  return (
    <section className="card" aria-labelledby="export-title">
      <h2 id="export-title">{t('settings.exportTitle')}</h2>
      <p>{t('settings.exportText', { organization: organization.name })}</p>
      <button
        type="button"
        className="button"
        disabled={exportOrganization.isPending}
        onClick={() => void download().catch(() => {})}
      >
        {exportOrganization.isPending ? t('settings.exporting') : t('settings.exportButton')}
      </button>
      <ErrorText error={exportOrganization.error} />
    </section>
  );
}
