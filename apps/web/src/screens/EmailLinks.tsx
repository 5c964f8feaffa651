import {
  useAcceptInvitationByToken,
  useInvitationByToken,
  useRequestPasswordReset,
  useResetPassword,
  useSession,
  useVerifyEmail,
} from '@roster/react';
import { Link, useNavigate, useParams } from '@tanstack/react-router';
import { type FormEvent, type ReactNode, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorText } from '../components/ErrorText';
import { LanguageSwitcher } from '../components/LanguageSwitcher';

/** The page around the screens reached from a mailed link (signed in or not). */
function LinkPage({ title, children }: { title: string; children: ReactNode }) {
  const { t } = useTranslation();
  return (
    <div className="auth-page">
      <header className="auth-header">
        <Link to="/" className="brand">
          {t('app.name')}
        </Link>
        <LanguageSwitcher />
      </header>
      <main id="main" className="card auth-card">
        <h1>{title}</h1>
        {children}
      </main>
    </div>
  );
}

/**
 * `/invite/$token`: what the invitation is, then, by who is looking:
 * signed out — sign up with the invited address (prefilled, fixed) or sign in with it, then join;
 * signed in with the invited address — join with one click; signed in as someone else — told so.
 */
export function InviteScreen() {
  const { t, i18n } = useTranslation();
  const { token } = useParams({ from: '/invite/$token' });
  const session = useSession();
  const navigate = useNavigate();
  const preview = useInvitationByToken(token);
  const accept = useAcceptInvitationByToken({
    onAccepted: ({ organization }) =>
      void navigate({ to: '/app/$orgSlug', params: { orgSlug: organization.slug } }),
  });
  const [mode, setMode] = useState<'sign-up' | 'sign-in'>('sign-up');
  const [formError, setFormError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const invitation = preview.data;
  if (preview.isLoading || session.isLoading) return <p className="loading">{t('app.loading')}</p>;
  if (!invitation) {
    return (
      <LinkPage title={t('invite.title')}>
        <ErrorText error={preview.error} />
        <p>
          <Link to="/">{t('app.name')}</Link>
        </p>
      </LinkPage>
    );
  }
  const names = {
    organization: invitation.organization.name,
    inviter: invitation.invitedBy.name ?? t('invite.someone'),
    role: t(`roles.${invitation.role}`),
    email: invitation.email,
  };
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setFormError(null);
    const form = new FormData(event.currentTarget);
    const password = String(form.get('password'));
    if (mode === 'sign-in') {
      session.signIn({ email: invitation.email, password }, { onError: setFormError });
    } else {
      session.signUp(
        {
          email: invitation.email,
          password,
          name: String(form.get('name')),
          locale: i18n.language === 'de' ? 'de' : 'en',
        },
        { onSuccess: () => setNotice(t('invite.signUpNotSignedIn')), onError: setFormError },
      );
    }
  };
  const sameAddress = session.user?.email === invitation.email;
  return (
    <LinkPage title={t('invite.title')}>
      <p>{t('invite.intro', names)}</p>
      {invitation.expired ? (
        <p className="error" role="alert">
          {t('errors.INVITATION_EXPIRED')}
        </p>
      ) : session.isSignedIn && sameAddress ? (
        <>
          <ErrorText error={accept.error} />
          <button
            type="button"
            className="button primary"
            disabled={accept.isPending}
            onClick={() => accept.mutate({ token })}
          >
            {t('invite.join', names)}
          </button>
        </>
      ) : session.isSignedIn ? (
        <>
          <p className="error" role="alert">
            {t('invite.otherAddress', { ...names, current: session.user?.email ?? '' })}
          </p>
          <button type="button" className="button" onClick={() => session.signOut()}>
            {t('auth.signOut')}
          </button>
        </>
      ) : (
        <form onSubmit={submit} className="form">
          <p>{mode === 'sign-up' ? t('invite.signUpHint', names) : t('invite.signInHint', names)}</p>
          <label className="field">
            <span>{t('auth.email')}</span>
            <input name="email" type="email" value={invitation.email} readOnly aria-readonly="true" />
          </label>
          {mode === 'sign-up' && (
            <label className="field">
              <span>{t('auth.name')}</span>
              <input name="name" autoComplete="name" required maxLength={100} />
            </label>
          )}
          <label className="field">
            <span>{t('auth.password')}</span>
            <input
              name="password"
              type="password"
              autoComplete={mode === 'sign-up' ? 'new-password' : 'current-password'}
              required
              minLength={mode === 'sign-up' ? 8 : 1}
            />
          </label>
          <ErrorText error={formError} />
          {notice && <p role="status">{notice}</p>}
          <button type="submit" className="button primary" disabled={session.isPending}>
            {mode === 'sign-up' ? t('auth.signUp') : t('auth.signIn')}
          </button>
          <p>
            <button
              type="button"
              className="link-button"
              onClick={() => {
                setFormError(null);
                setMode(mode === 'sign-up' ? 'sign-in' : 'sign-up');
              }}
            >
              {mode === 'sign-up' ? t('invite.haveAccount') : t('invite.noAccount')}
            </button>
          </p>
        </form>
      )}
    </LinkPage>
  );
}

/** `/verify-email/$token`: follows the verification link once, on arrival, and says how it went. */
export function VerifyEmailScreen() {
  const { t } = useTranslation();
  const { token } = useParams({ from: '/verify-email/$token' });
  const verify = useVerifyEmail();
  const sent = useRef(false);
  useEffect(() => {
    if (sent.current) return;
    sent.current = true;
    verify.mutate({ token });
  }, [verify, token]);
  return (
    <LinkPage title={t('verify.title')}>
      {verify.isSuccess ? (
        <p role="status">{t('verify.done', { email: verify.data.email })}</p>
      ) : verify.error ? (
        <ErrorText error={verify.error} />
      ) : (
        <p className="loading">{t('app.loading')}</p>
      )}
      <p>
        <Link to="/app">{t('verify.continue')}</Link>
      </p>
    </LinkPage>
  );
}

/** `/forgot-password`: asks for a reset mail; the answer is the same whether the address has an account. */
export function ForgotPasswordScreen() {
  const { t } = useTranslation();
  const request = useRequestPasswordReset();
  return (
    <LinkPage title={t('reset.forgotTitle')}>
      {request.isSuccess ? (
        <p role="status">{t('reset.requested', { email: request.data.email })}</p>
      ) : (
        <form
          className="form"
          onSubmit={(event) => {
            event.preventDefault();
            request.mutate({ email: String(new FormData(event.currentTarget).get('email')) });
          }}
        >
          <p>{t('reset.forgotIntro')}</p>
          <label className="field">
            <span>{t('auth.email')}</span>
            <input name="email" type="email" autoComplete="email" required />
          </label>
          <ErrorText error={request.error} />
          <button type="submit" className="button primary" disabled={request.isPending}>
            {t('reset.send')}
          </button>
        </form>
      )}
      <p>
        {t('auth.haveAccount')} <Link to="/sign-in">{t('auth.toSignIn')}</Link>
      </p>
    </LinkPage>
  );
}

/** `/reset-password/$token`: sets a new password from the mailed link; other sessions end. */
export function ResetPasswordScreen() {
  const { t } = useTranslation();
  const { token } = useParams({ from: '/reset-password/$token' });
  const reset = useResetPassword();
  return (
    <LinkPage title={t('reset.title')}>
      {reset.isSuccess ? (
        <>
          <p role="status">{t('reset.done', { email: reset.data.email })}</p>
          <p>
            <Link to="/sign-in">{t('auth.toSignIn')}</Link>
          </p>
        </>
      ) : (
        <form
          className="form"
          onSubmit={(event) => {
            event.preventDefault();
            reset.mutate({ token, password: String(new FormData(event.currentTarget).get('password')) });
          }}
        >
          <label className="field">
            <span>{t('reset.newPassword')}</span>
            <input
              name="password"
              type="password"
              autoComplete="new-password"
              required
              minLength={8}
              aria-describedby="reset-password-hint"
            />
            <small id="reset-password-hint">{t('auth.passwordHint')}</small>
          </label>
          <ErrorText error={reset.error} />
          <button type="submit" className="button primary" disabled={reset.isPending}>
            {t('reset.save')}
          </button>
        </form>
      )}
    </LinkPage>
  );
}
