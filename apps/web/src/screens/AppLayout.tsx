import { useOrganizations, useSession } from '@roster/react';
import { Link, Navigate, Outlet, useNavigate } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';
import { useAppState } from '../app-state';
import { LanguageSwitcher } from '../components/LanguageSwitcher';
import { OrgSwitcher } from '../components/OrgSwitcher';

/** Everything under /app: signed-in users only, with the header (switcher, language, sign out). */
export function AppLayout() {
  const { t } = useTranslation();
  const session = useSession();
  const navigate = useNavigate();
  const { notice, setNotice } = useAppState();
  if (session.isLoading) return <p className="loading">{t('app.loading')}</p>;
  if (!session.isSignedIn) return <Navigate to="/sign-in" />;
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        {t('app.skipToContent')}
      </a>
      <header className="app-header">
        <Link to="/app" className="brand">
          {t('app.name')}
        </Link>
        <OrgSwitcher />
        <span className="spacer" />
        <LanguageSwitcher />
        <span className="user" title={session.user?.email}>
          {t('auth.signedInAs', { name: session.user?.name ?? session.user?.email ?? '' })}
        </span>
        <button
          type="button"
          className="button"
          onClick={() =>
            session.signOut(undefined, {
              onSuccess: () => {
                setNotice(null);
                void navigate({ to: '/sign-in' });
              },
            })
          }
        >
          {t('auth.signOut')}
        </button>
      </header>
      {/* Always in the page, so screen readers announce what appears in it. */}
      <div className={notice ? 'notice' : undefined} role="status">
        {notice && (
          <>
            <span>{notice}</span>
            <button
              type="button"
              className="link-button"
              aria-label={t('app.dismiss')}
              onClick={() => setNotice(null)}
            >
              ×
            </button>
          </>
        )}
      </div>
      <main id="main" className="content">
        <Outlet />
      </main>
    </div>
  );
}

/** /app: the session's active organization, else the first one, else onboarding. */
export function AppHome() {
  const { t } = useTranslation();
  const session = useSession();
  const organizations = useOrganizations();
  if (!organizations.data) return <p className="loading">{t('app.loading')}</p>;
  const target =
    organizations.data.find((organization) => organization.id === session.activeOrganizationId) ??
    organizations.data[0];
  if (!target) return <Navigate to="/app/onboarding" />;
  return <Navigate to="/app/$orgSlug" params={{ orgSlug: target.slug }} />;
}
