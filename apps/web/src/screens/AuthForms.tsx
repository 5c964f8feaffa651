import { useSession } from '@roster/react';
import { Link, Navigate, useNavigate } from '@tanstack/react-router';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorText } from '../components/ErrorText';
import { LanguageSwitcher } from '../components/LanguageSwitcher';

function AuthPage({ title, children }: { title: string; children: React.ReactNode }) {
  const { t } = useTranslation();
  return (
    <div className="auth-page">
      <header className="auth-header">
        <span className="brand">{t('app.name')}</span>
        <LanguageSwitcher />
      </header>
      <main id="main" className="card auth-card">
        <h1>{title}</h1>
        {children}
      </main>
    </div>
  );
}

export function SignInScreen() {
  const { t } = useTranslation();
  const session = useSession();
  const navigate = useNavigate();
  const [error, setError] = useState<unknown>(null);
  if (session.isSignedIn) return <Navigate to="/app" />;
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setError(null);
    session.signIn(
      { email: String(form.get('email')), password: String(form.get('password')) },
      { onSuccess: () => void navigate({ to: '/app' }), onError: setError },
    );
  };
  return (
    <AuthPage title={t('auth.signInTitle')}>
      <form onSubmit={submit} className="form">
        <label className="field">
          <span>{t('auth.email')}</span>
          <input name="email" type="email" autoComplete="email" required />
        </label>
        <label className="field">
          <span>{t('auth.password')}</span>
          <input name="password" type="password" autoComplete="current-password" required />
        </label>
        <ErrorText error={error} />
        <button type="submit" className="button primary" disabled={session.isPending}>
          {session.isPending ? t('auth.signingIn') : t('auth.signIn')}
        </button>
      </form>
      <p>
        {t('auth.noAccount')} <Link to="/sign-up">{t('auth.toSignUp')}</Link>
      </p>
    </AuthPage>
  );
}

export function SignUpScreen() {
  const { t } = useTranslation();
  const session = useSession();
  const navigate = useNavigate();
  const [error, setError] = useState<unknown>(null);
  if (session.isSignedIn) return <Navigate to="/app" />;
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setError(null);
    session.signUp(
      {
        name: String(form.get('name')),
        email: String(form.get('email')),
        password: String(form.get('password')),
      },
      { onSuccess: () => void navigate({ to: '/app' }), onError: setError },
    );
  };
  return (
    <AuthPage title={t('auth.signUpTitle')}>
      <form onSubmit={submit} className="form">
        <label className="field">
          <span>{t('auth.name')}</span>
          <input name="name" autoComplete="name" required maxLength={100} />
        </label>
        <label className="field">
          <span>{t('auth.email')}</span>
          <input name="email" type="email" autoComplete="email" required />
        </label>
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
        <ErrorText error={error} />
        <button type="submit" className="button primary" disabled={session.isPending}>
          {session.isPending ? t('auth.signingUp') : t('auth.signUp')}
        </button>
      </form>
      <p>
        {t('auth.haveAccount')} <Link to="/sign-in">{t('auth.toSignIn')}</Link>
      </p>
    </AuthPage>
  );
}
