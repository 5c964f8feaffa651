import { type Session, useSession } from '@roster/react';
import { Link, Navigate, useNavigate } from '@tanstack/react-router';
import { type FormEvent, type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorText } from '../components/ErrorText';
import { LanguageSwitcher } from '../components/LanguageSwitcher';

interface AuthFormProps {
  title: string;
  submitLabel: string;
  pendingLabel: string;
  /** Sends the form's fields with the session's action (`signIn` or `signUp`), passing `callbacks` on. */
  send(
    session: Session,
    form: FormData,
    callbacks: { onSuccess(): void; onError(error: unknown): void },
  ): void;
  /** The form's fields. */
  children: ReactNode;
  /** The line under the form: the way to the other form. */
  footer: ReactNode;
  /**
   * Shown on success instead of going to /app (sign-up: it signs in when it can — a signed-in session goes
   * to /app anyway — and otherwise the address had an account, whose holder got a mail).
   */
  successNotice?: (form: FormData) => string;
}

/** What sign-in and sign-up share: the page, the refusal shown under the fields, and /app on success. */
function AuthForm({
  title,
  submitLabel,
  pendingLabel,
  send,
  children,
  footer,
  successNotice,
}: AuthFormProps) {
  const { t } = useTranslation();
  const session = useSession();
  const navigate = useNavigate();
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  if (session.isSignedIn) return <Navigate to="/app" />;
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setError(null);
    setNotice(null);
    const form = new FormData(event.currentTarget);
    send(session, form, {
      onSuccess: () => (successNotice ? setNotice(successNotice(form)) : void navigate({ to: '/app' })),
      onError: setError,
    });
  };
  return (
    <div className="auth-page">
      <header className="auth-header">
        <span className="brand">{t('app.name')}</span>
        <LanguageSwitcher />
      </header>
      <main id="main" className="card auth-card">
        <h1>{title}</h1>
        <form onSubmit={submit} className="form">
          {children}
          <ErrorText error={error} />
          {notice && <p role="status">{notice}</p>}
          <button type="submit" className="button primary" disabled={session.isPending}>
            {session.isPending ? pendingLabel : submitLabel}
          </button>
        </form>
        <p>{footer}</p>
      </main>
    </div>
  );
}

function EmailField() {
  const { t } = useTranslation();
  return (
    <label className="field">
      <span>{t('auth.email')}</span>
      <input name="email" type="email" autoComplete="email" required />
    </label>
  );
}

export function SignInScreen() {
  const { t } = useTranslation();
  return (
    <AuthForm
      title={t('auth.signInTitle')}
      submitLabel={t('auth.signIn')}
      pendingLabel={t('auth.signingIn')}
      send={(session, form, callbacks) =>
        session.signIn(
          { email: String(form.get('email')), password: String(form.get('password')) },
          callbacks,
        )
      }
      footer={
        <>
          {t('auth.noAccount')} <Link to="/sign-up">{t('auth.toSignUp')}</Link> ·{' '}
          <Link to="/forgot-password">{t('auth.forgotPassword')}</Link>
        </>
      }
    >
      <EmailField />
      <label className="field">
        <span>{t('auth.password')}</span>
        <input name="password" type="password" autoComplete="current-password" required />
      </label>
    </AuthForm>
  );
}

export function SignUpScreen() {
  const { t, i18n } = useTranslation();
  return (
    <AuthForm
      title={t('auth.signUpTitle')}
      submitLabel={t('auth.signUp')}
      pendingLabel={t('auth.signingUp')}
      successNotice={(form) => t('auth.checkInbox', { email: String(form.get('email')) })}
      send={(session, form, callbacks) =>
        session.signUp(
          {
            name: String(form.get('name')),
            email: String(form.get('email')),
            password: String(form.get('password')),
            locale: i18n.language === 'de' ? 'de' : 'en',
          },
          callbacks,
        )
      }
      footer={
        <>
          {t('auth.haveAccount')} <Link to="/sign-in">{t('auth.toSignIn')}</Link>
        </>
      }
    >
      <label className="field">
        <span>{t('auth.name')}</span>
        <input name="name" autoComplete="name" required maxLength={100} />
      </label>
      <EmailField />
      <label className="field">
        <span>{t('auth.password')}</span>
        <input
          name="password"
          type="password"
          autoComplete="new-password"
          required
          minLength={8}
          aria-describedby="password-hint"
        />
        <small id="password-hint">{t('auth.passwordHint')}</small>
      </label>
    </AuthForm>
  );
}
