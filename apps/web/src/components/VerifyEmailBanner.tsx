import { useResendVerification, useSession } from '@roster/react';
import { useTranslation } from 'react-i18next';
import { ErrorText } from './ErrorText';

/** While the signed-in user's address is unproven: says why it matters, with a button to mail a new link. */
export function VerifyEmailBanner() {
  const { t } = useTranslation();
  const session = useSession();
  const resend = useResendVerification();
  if (!session.user || session.user.emailVerified) return null;
  return (
    <section className="card" aria-labelledby="verify-banner-title">
      <h2 id="verify-banner-title">{t('verify.bannerTitle')}</h2>
      <p>{t('verify.bannerText', { email: session.user.email })}</p>
      {resend.data ? (
        <p role="status">{t(`verify.resend_${resend.data.status}`)}</p>
      ) : (
        <button type="button" className="button" disabled={resend.isPending} onClick={() => resend.mutate()}>
          {t('verify.resend')}
        </button>
      )}
      <ErrorText error={resend.error} />
    </section>
  );
}
