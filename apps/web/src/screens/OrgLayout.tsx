import { type Organization, useOrganizations, usePermissions, useSession } from '@roster/react';
import { Link, Outlet, useParams } from '@tanstack/react-router';
import { createContext, useContext, useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { useAppState } from '../app-state';
import { DeletionBanner } from '../components/DeletionBanner';
import { ErrorText } from '../components/ErrorText';
import { OwnershipOfferCard } from '../components/OwnershipOfferCard';
import { VerifyEmailBanner } from '../components/VerifyEmailBanner';

const CurrentOrganizationContext = createContext<Organization | null>(null);

/** The organization of the current /app/$orgSlug route, with the caller's role in it. */
export function useCurrentOrganization(): Organization {
  const organization = useContext(CurrentOrganizationContext);
  if (!organization) throw new Error('useCurrentOrganization must be used below /app/$orgSlug');
  return organization;
}

/**
 * /app/$orgSlug: resolves the slug among the caller's own active memberships only. A slug that is not
 * one of them (an organization the user left, or one that does not exist) shows the organization
 * selector, never that organization's data.
 */
export function OrgLayout() {
  const { t } = useTranslation();
  const { orgSlug } = useParams({ from: '/app/$orgSlug' });
  const organizations = useOrganizations();
  const session = useSession();
  const { leavingOrganizationId } = useAppState();
  const organization = organizations.data?.find((candidate) => candidate.slug === orgSlug);
  // The Audit log tab only for those who may read it (the server's permissions answer).
  const permissions = usePermissions(organization?.id);

  // Remember the organization the user works in, so the next sign-in lands here.
  const organizationId = organization?.id;
  const { activeOrganizationId, setActiveOrganization } = session;
  useEffect(() => {
    if (organizationId && organizationId !== activeOrganizationId) {
      setActiveOrganization({ organizationId });
    }
  }, [organizationId, activeOrganizationId, setActiveOrganization]);

  if (organizations.error) return <ErrorText error={organizations.error} />;
  if (!organizations.data) return <p className="loading">{t('app.loading')}</p>;
  if (!organization) {
    if (leavingOrganizationId) return <p className="loading">{t('app.loading')}</p>;
    return <OrganizationSelector slug={orgSlug} />;
  }
  return (
    <CurrentOrganizationContext.Provider value={organization}>
      <DeletionBanner organization={organization} />
      <nav className="tabs" aria-label={t('nav.main')}>
        <Link to="/app/$orgSlug" params={{ orgSlug }} activeOptions={{ exact: true }}>
          {t('nav.dashboard')}
        </Link>
        <Link to="/app/$orgSlug/members" params={{ orgSlug }}>
          {t('nav.members')}
        </Link>
        {permissions.data?.readAuditLog.allowed && (
          <Link to="/app/$orgSlug/audit-log" params={{ orgSlug }}>
            {t('nav.auditLog')}
          </Link>
        )}
        <Link to="/app/$orgSlug/settings" params={{ orgSlug }}>
          {t('nav.settings')}
        </Link>
      </nav>
      <Outlet />
    </CurrentOrganizationContext.Provider>
  );
}

/** Shown for an organization the caller cannot see: their own organizations to choose from. */
function OrganizationSelector({ slug }: { slug: string }) {
  const { t } = useTranslation();
  const organizations = useOrganizations();
  const list = organizations.data ?? [];
  return (
    <section className="card stack" aria-labelledby="selector-title">
      <h1 id="selector-title">{t('selector.title')}</h1>
      <p>{t('selector.notAvailable', { slug })}</p>
      <h2>{t('selector.yours')}</h2>
      {list.length === 0 ? (
        <p>{t('selector.none')}</p>
      ) : (
        <ul className="list">
          {list.map((organization) => (
            <li key={organization.id} className="list-row">
              <Link to="/app/$orgSlug" params={{ orgSlug: organization.slug }}>
                {organization.name}
              </Link>
              <span className="muted">{t(`roles.${organization.role}`)}</span>
            </li>
          ))}
        </ul>
      )}
      <p>
        <Link to="/app/onboarding">{t('selector.toOnboarding')}</Link>
      </p>
    </section>
  );
}

/** /app/$orgSlug: the organization's dashboard. */
export function DashboardScreen() {
  const { t } = useTranslation();
  const organization = useCurrentOrganization();
  const names = { organization: organization.name };
  return (
    <div className="stack">
      <h1>{t('dashboard.title', names)}</h1>
      <p>{t('dashboard.yourRole', { role: t(`roles.${organization.role}`) })}</p>
      <VerifyEmailBanner />
      <OwnershipOfferCard organization={organization} />
      <div className="columns">
        <section className="card">
          <h2>{t('dashboard.membersCard')}</h2>
          <p>{t('dashboard.membersText', names)}</p>
          <Link to="/app/$orgSlug/members" params={{ orgSlug: organization.slug }}>
            {t('dashboard.open')}
          </Link>
        </section>
        <section className="card">
          <h2>{t('dashboard.settingsCard')}</h2>
          <p>{t('dashboard.settingsText', names)}</p>
          <Link to="/app/$orgSlug/settings" params={{ orgSlug: organization.slug }}>
            {t('dashboard.open')}
          </Link>
        </section>
      </div>
    </div>
  );
}
