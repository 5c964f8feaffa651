import {
  useAcceptInvitation,
  useCreateOrganization,
  useMyInvitations,
  useOrganizations,
  useSession,
} from '@roster/react';
import { useNavigate } from '@tanstack/react-router';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorText } from '../components/ErrorText';
import { VerifyEmailBanner } from '../components/VerifyEmailBanner';

/** A slug from a name: "Acme GmbH & Co" -> "acme-gmbh-co". */
function slugify(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48);
}

/** /app/onboarding: create an organization, or accept a pending invitation. */
export function OnboardingScreen() {
  const { t } = useTranslation();
  const organizations = useOrganizations();
  const hasOrganizations = (organizations.data?.length ?? 0) > 0;
  return (
    <div className="stack">
      <h1>{t('onboarding.title')}</h1>
      <p>{hasOrganizations ? t('onboarding.introWithOrgs') : t('onboarding.intro')}</p>
      <VerifyEmailBanner />
      <div className="columns">
        <CreateOrganization />
        <MyInvitations />
      </div>
    </div>
  );
}

function CreateOrganization() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [name, setName] = useState('');
  const [slug, setSlug] = useState('');
  const [slugEdited, setSlugEdited] = useState(false);
  const create = useCreateOrganization({
    // The organization's layout makes it the session's active one (OrgLayout).
    onCreated: (organization) =>
      void navigate({ to: '/app/$orgSlug', params: { orgSlug: organization.slug } }),
  });
  const effectiveSlug = slugEdited ? slug : slugify(name);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({ name: name.trim(), slug: effectiveSlug });
  };
  return (
    <section className="card" aria-labelledby="create-title">
      <h2 id="create-title">{t('onboarding.createTitle')}</h2>
      <form className="form" onSubmit={submit}>
        <label className="field">
          <span>{t('onboarding.orgName')}</span>
          <input value={name} onChange={(event) => setName(event.target.value)} required maxLength={100} />
        </label>
        <label className="field">
          <span>{t('onboarding.orgSlug')}</span>
          <input
            value={effectiveSlug}
            onChange={(event) => {
              setSlugEdited(true);
              setSlug(event.target.value);
            }}
            required
            pattern="[a-z0-9]+(-[a-z0-9]+)*"
            maxLength={48}
            aria-describedby="slug-hint"
          />
          <small id="slug-hint">{t('onboarding.slugHint', { slug: effectiveSlug || '…' })}</small>
        </label>
        <ErrorText error={create.error} />
        <button type="submit" className="button primary" disabled={create.isPending}>
          {create.isPending ? t('onboarding.creating') : t('onboarding.create')}
        </button>
      </form>
    </section>
  );
}

function MyInvitations() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const session = useSession();
  const invitations = useMyInvitations();
  const accept = useAcceptInvitation();
  return (
    <section className="card" aria-labelledby="invitations-title">
      <h2 id="invitations-title">{t('onboarding.invitationsTitle')}</h2>
      <ErrorText error={invitations.error ?? accept.error} />
      {invitations.data && invitations.data.length === 0 && (
        <p>{t('onboarding.noInvitations', { email: session.user?.email ?? '' })}</p>
      )}
      <ul className="list">
        {invitations.data?.map((invitation) => (
          <li key={invitation.id} className="list-row">
            <span>
              {t('onboarding.invitationTo', {
                organization: invitation.organization.name,
                role: t(`roles.${invitation.role}`),
              })}
            </span>
            <button
              type="button"
              className="button primary"
              disabled={accept.isPending}
              onClick={() =>
                accept.mutate(
                  { invitationId: invitation.id },
                  {
                    // The hook has already refreshed the caller's organizations, and the organization's
                    // layout makes it the session's active one (OrgLayout).
                    onSuccess: ({ organization }) =>
                      void navigate({ to: '/app/$orgSlug', params: { orgSlug: organization.slug } }),
                  },
                )
              }
            >
              {accept.isPending && accept.variables?.invitationId === invitation.id
                ? t('onboarding.accepting')
                : t('onboarding.accept')}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
