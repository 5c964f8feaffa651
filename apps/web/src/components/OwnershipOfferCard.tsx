import { type Organization, useAcceptOwnership, useDeclineOwnership, useOwnershipOffer } from '@roster/react';
import { useTranslation } from 'react-i18next';
import { useAppState } from '../app-state';
import { currentLanguage } from '../i18n';
import { ErrorText } from './ErrorText';

/** The dashboard of the member offered ownership: who offers it, until when, Accept and Decline. */
export function OwnershipOfferCard({ organization }: { organization: Organization }) {
  const { t } = useTranslation();
  const { setNotice } = useAppState();
  const offer = useOwnershipOffer(organization.id);
  const accept = useAcceptOwnership();
  const decline = useDeclineOwnership();
  const data = offer.data;
  if (!data?.forMe) return null;
  const names = {
    name: data.offeredBy.name,
    organization: organization.name,
    date: new Intl.DateTimeFormat(currentLanguage(), { dateStyle: 'long' }).format(new Date(data.expiresAt)),
  };
  const pending = accept.isPending || decline.isPending;
  return (
    <section className="card" aria-labelledby="offer-title" data-testid="ownership-offer">
      <h2 id="offer-title">{t('dashboard.offerTitle')}</h2>
      <p>{t('dashboard.offerText', names)}</p>
      <div className="row">
        <button
          type="button"
          className="button primary"
          disabled={pending}
          onClick={() =>
            accept.mutate(
              { offerId: data.id },
              { onSuccess: () => setNotice(t('dashboard.offerAccepted', names)) },
            )
          }
        >
          {accept.isPending ? t('dashboard.accepting') : t('dashboard.acceptOffer')}
        </button>
        <button
          type="button"
          className="button"
          disabled={pending}
          onClick={() =>
            decline.mutate(
              { offerId: data.id },
              { onSuccess: () => setNotice(t('dashboard.offerDeclined', names)) },
            )
          }
        >
          {t('dashboard.declineOffer')}
        </button>
      </div>
      <ErrorText error={accept.error ?? decline.error} />
    </section>
  );
}
