import { useLeaveOrganization } from '@roster/react';
import { useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useAppState } from '../app-state';
import { ConfirmDialog } from './ConfirmDialog';

export interface LeaveDialogProps {
  organization: { id: string; name: string };
  /** The text of the button that opens the dialog. */
  triggerLabel: string;
  triggerClassName?: string;
}

/**
 * "Leave organization" with its confirmation. On success the user goes to their next organization's
 * dashboard, or to onboarding when none is left.
 */
export function LeaveDialog({ organization, triggerLabel, triggerClassName }: LeaveDialogProps) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const { setNotice, setLeavingOrganizationId } = useAppState();
  const [open, setOpen] = useState(false);
  // The hook keeps the switcher's list right (it drops a list fetched before the leave that is still in
  // flight), so nothing here refetches it.
  const leave = useLeaveOrganization({
    onLeft: async ({ nextOrganization }) => {
      setNotice(t('leave.left', { organization: organization.name }));
      if (nextOrganization) {
        await navigate({ to: '/app/$orgSlug', params: { orgSlug: nextOrganization.slug } });
      } else {
        await navigate({ to: '/app/onboarding' });
      }
      setLeavingOrganizationId(null);
    },
  });
  const names = { organization: organization.name };
  return (
    <ConfirmDialog
      trigger={
        <button type="button" className={triggerClassName ?? 'button danger'}>
          {triggerLabel}
        </button>
      }
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (!next) leave.reset();
      }}
      title={t('leave.title', names)}
      description={
        <>
          <p>{t('leave.text', names)}</p>
          <p>{t('leave.rejoin')}</p>
        </>
      }
      confirmLabel={t('leave.confirm', names)}
      pendingLabel={t('leave.leaving')}
      cancelLabel={t('leave.cancel')}
      pending={leave.isPending}
      error={leave.error}
      onConfirm={() => {
        setLeavingOrganizationId(organization.id);
        leave.mutate({ organizationId: organization.id }, { onError: () => setLeavingOrganizationId(null) });
      }}
    />
  );
}
