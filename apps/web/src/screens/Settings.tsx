import {
  type Organization,
  useCancelOwnershipOffer,
  useMembers,
  useOfferOwnership,
  useOwnershipOffer,
  usePermissions,
  useScheduleDeletion,
  useSession,
} from '@roster/react';
import { Link } from '@tanstack/react-router';
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useAppState } from '../app-state';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { ErrorText } from '../components/ErrorText';
import { ExportOrganization } from '../components/ExportOrganization';
import { LeaveDialog } from '../components/LeaveDialog';
import { OrganizationForm } from '../components/OrganizationForm';
import { currentLanguage } from '../i18n';
import { useCurrentOrganization } from './OrgLayout';

/** /app/$orgSlug/settings: name and slug; Leave, or for a sole owner the way to transfer or delete. */
export function SettingsScreen() {
  const { t } = useTranslation();
  const organization = useCurrentOrganization();
  // Every action comes from the server's permissions answer. The only active owner may not leave (the
  // server would refuse with AT_LEAST_ONE_OWNER_REQUIRED): they get the transfer path instead.
  const permissions = usePermissions(organization.id);
  const leave = permissions.data?.leave;
  const soleOwner = leave?.allowed === false && leave.reason === 'AT_LEAST_ONE_OWNER_REQUIRED';
  // The transfer is a two-step offer: shown while one may be made, or one is pending (to cancel it).
  const offer = permissions.data?.offerOwnership;
  const mayTransfer =
    offer?.allowed === true || (offer?.allowed === false && offer.reason === 'OWNERSHIP_OFFER_PENDING');
  // Scheduling again changes nothing: while scheduled, the banner above offers Restore instead.
  const mayDelete =
    permissions.data?.scheduleDeletion.allowed === true && organization.status !== 'deletion_scheduled';
  const mayExport = permissions.data?.export.allowed === true;
  const mayUpdate = permissions.data?.updateOrganization.allowed === true;
  const mayManageApiKeys = permissions.data?.manageApiKeys.allowed === true;
  const mayManageWebhooks = permissions.data?.manageWebhooks.allowed === true;
  const names = { organization: organization.name };
  return (
    <div className="stack">
      <h1>{t('settings.title')}</h1>
      <section className="card" aria-labelledby="general-title">
        <h2 id="general-title">{t('settings.generalTitle')}</h2>
        {mayUpdate ? (
          <OrganizationForm organization={organization} />
        ) : (
          <dl className="facts">
            <dt>{t('settings.name')}</dt>
            <dd>{organization.name}</dd>
            <dt>{t('settings.slug')}</dt>
            <dd>
              <code>{organization.slug}</code>
            </dd>
          </dl>
        )}
      </section>

      {mayManageApiKeys && (
        <section className="card" aria-labelledby="api-keys-title">
          <h2 id="api-keys-title">{t('apiKeys.title')}</h2>
          <p>{t('apiKeys.linkText')}</p>
          <Link to="/app/$orgSlug/settings/api-keys" params={{ orgSlug: organization.slug }}>
            {t('apiKeys.link')}
          </Link>
        </section>
      )}
      {mayManageWebhooks && (
        <section className="card" aria-labelledby="webhooks-title">
          <h2 id="webhooks-title">{t('webhooks.title')}</h2>
          <p>{t('webhooks.linkText')}</p>
          <Link to="/app/$orgSlug/settings/webhooks" params={{ orgSlug: organization.slug }}>
            {t('webhooks.link')}
          </Link>
        </section>
      )}
      {permissions.canLeave && (
        <section className="card danger-zone" aria-labelledby="leave-title">
          <h2 id="leave-title">{t('settings.leaveTitle')}</h2>
          <p>{t('settings.leaveText', names)}</p>
          <LeaveDialog organization={organization} triggerLabel={t('settings.leaveButton')} />
        </section>
      )}
      {soleOwner && mayTransfer && (
        <section className="card danger-zone" aria-labelledby="sole-owner-title">
          <h2 id="sole-owner-title">{t('settings.soleOwnerTitle')}</h2>
          <p>{t('settings.soleOwnerText', names)}</p>
          <TransferOwnership organization={organization} />
        </section>
      )}
      {mayExport && <ExportOrganization organization={organization} />}
      {mayDelete && <DeleteOrganization organization={organization} />}
    </div>
  );
}

function TransferOwnership({ organization }: { organization: Organization }) {
  const { t } = useTranslation();
  const id = useId();
  const session = useSession();
  const { setNotice } = useAppState();
  const members = useMembers({ organizationId: organization.id, limit: 100 });
  const transfer = useOfferOwnership();
  const pending = useOwnershipOffer(organization.id);
  const cancel = useCancelOwnershipOffer();
  const [memberId, setMemberId] = useState('');
  const [open, setOpen] = useState(false);
  const candidates = members.members.filter((member) => member.userId !== session.user?.id);
  const chosen = candidates.find((member) => member.id === memberId);
  const names = { name: chosen?.name ?? '', organization: organization.name };
  const offered = pending.data;
  if (offered && !offered.forMe) {
    return (
      <div className="stack">
        <h3 id={`${id}-title`}>{t('settings.transferTitle')}</h3>
        <p data-testid="ownership-offer-pending">
          {t('settings.offerPending', {
            name: offered.target.name,
            email: offered.target.email,
            date: new Intl.DateTimeFormat(currentLanguage(), { dateStyle: 'long' }).format(
              new Date(offered.expiresAt),
            ),
          })}
        </p>
        <div className="row">
          <button
            type="button"
            className="button"
            disabled={cancel.isPending}
            onClick={() =>
              cancel.mutate(
                { organizationId: organization.id, offerId: offered.id },
                { onSuccess: () => setNotice(t('settings.offerCancelled')) },
              )
            }
          >
            {t('settings.cancelOffer')}
          </button>
        </div>
        <ErrorText error={cancel.error} />
      </div>
    );
  }
  return (
    <div className="stack">
      <h3 id={`${id}-title`}>{t('settings.transferTitle')}</h3>
      {members.data && candidates.length === 0 ? (
        <p>{t('settings.transferNoCandidates')}</p>
      ) : (
        <div className="row">
          <label htmlFor={id}>{t('settings.transferTo')}</label>
          <select id={id} value={memberId} onChange={(event) => setMemberId(event.target.value)}>
            <option value="">{t('settings.transferChoose')}</option>
            {candidates.map((member) => (
              <option key={member.id} value={member.id}>
                {member.name} ({member.email})
              </option>
            ))}
          </select>
          <ConfirmDialog
            trigger={
              <button type="button" className="button" disabled={!chosen}>
                {t('settings.transfer')}
              </button>
            }
            open={open && Boolean(chosen)}
            onOpenChange={(next) => {
              setOpen(next);
              if (!next) transfer.reset();
            }}
            title={t('settings.transferConfirmTitle', names)}
            description={<p>{t('settings.transferConfirmText', names)}</p>}
            confirmLabel={t('settings.transfer')}
            pendingLabel={t('settings.transferring')}
            cancelLabel={t('settings.cancel')}
            pending={transfer.isPending}
            error={transfer.error}
            onConfirm={() =>
              chosen &&
              transfer.mutate(
                { organizationId: organization.id, memberId: chosen.id },
                {
                  onSuccess: () => {
                    setOpen(false);
                    setMemberId('');
                    setNotice(t('settings.transferred', names));
                  },
                },
              )
            }
          />
        </div>
      )}
      <ErrorText error={members.error} />
    </div>
  );
}

function DeleteOrganization({ organization }: { organization: Organization }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const scheduleDeletion = useScheduleDeletion();
  const names = { organization: organization.name };
  return (
    <section className="card danger-zone" aria-labelledby="delete-title">
      <h2 id="delete-title">{t('settings.deleteTitle')}</h2>
      <p>{t('settings.deleteText', names)}</p>
      <ConfirmDialog
        trigger={
          <button type="button" className="button danger">
            {t('settings.deleteButton')}
          </button>
        }
        open={open}
        onOpenChange={(next) => {
          setOpen(next);
          if (!next) scheduleDeletion.reset();
        }}
        title={t('settings.deleteConfirmTitle', names)}
        description={<p>{t('settings.deleteConfirmText', names)}</p>}
        confirmLabel={t('settings.deleteConfirm', names)}
        pendingLabel={t('settings.deleting')}
        cancelLabel={t('settings.cancel')}
        pending={scheduleDeletion.isPending}
        error={scheduleDeletion.error}
        onConfirm={() =>
          scheduleDeletion.mutate({ organizationId: organization.id }, { onSuccess: () => setOpen(false) })
        }
      />
    </section>
  );
}
