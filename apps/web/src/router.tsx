import { useSession } from '@roster/react';
import { createRootRoute, createRoute, createRouter, Link, Navigate, Outlet } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';
import { ApiKeysScreen } from './screens/ApiKeys';
import { AppHome, AppLayout } from './screens/AppLayout';
import { AuditLogScreen } from './screens/AuditLog';
import { SignInScreen, SignUpScreen } from './screens/AuthForms';
import { DevMailScreen } from './screens/DevMail';
import {
  ForgotPasswordScreen,
  InviteScreen,
  ResetPasswordScreen,
  VerifyEmailScreen,
} from './screens/EmailLinks';
import { MembersScreen } from './screens/Members';
import { OnboardingScreen } from './screens/Onboarding';
import { DashboardScreen, OrgLayout } from './screens/OrgLayout';
import { SettingsScreen } from './screens/Settings';
import { WebhooksScreen } from './screens/Webhooks';

// Code-based routes: the tree is small, and it keeps the build free of a route generator.

function Home() {
  const { t } = useTranslation();
  const session = useSession();
  if (session.isLoading) return <p className="loading">{t('app.loading')}</p>;
  return <Navigate to={session.isSignedIn ? '/app' : '/sign-in'} />;
}

function NotFound() {
  const { t } = useTranslation();
  return (
    <main id="main" className="content">
      <h1>{t('app.notFound')}</h1>
      <p>
        <Link to="/">{t('app.name')}</Link>
      </p>
    </main>
  );
}

const rootRoute = createRootRoute({ component: Outlet, notFoundComponent: NotFound });
const homeRoute = createRoute({ getParentRoute: () => rootRoute, path: '/', component: Home });
const signInRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: 'sign-in',
  component: SignInScreen,
});
const signUpRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: 'sign-up',
  component: SignUpScreen,
});
// Reached from mailed links, signed in or not.
const inviteRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: 'invite/$token',
  component: InviteScreen,
});
const verifyEmailRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: 'verify-email/$token',
  component: VerifyEmailScreen,
});
const forgotPasswordRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: 'forgot-password',
  component: ForgotPasswordScreen,
});
const resetPasswordRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: 'reset-password/$token',
  component: ResetPasswordScreen,
});
const devMailRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: 'dev/mail',
  component: DevMailScreen,
});
const appRoute = createRoute({ getParentRoute: () => rootRoute, path: 'app', component: AppLayout });
const appHomeRoute = createRoute({ getParentRoute: () => appRoute, path: '/', component: AppHome });
const onboardingRoute = createRoute({
  getParentRoute: () => appRoute,
  path: 'onboarding',
  component: OnboardingScreen,
});
const orgRoute = createRoute({ getParentRoute: () => appRoute, path: '$orgSlug', component: OrgLayout });
const dashboardRoute = createRoute({ getParentRoute: () => orgRoute, path: '/', component: DashboardScreen });
const membersRoute = createRoute({
  getParentRoute: () => orgRoute,
  path: 'members',
  component: MembersScreen,
});
const settingsRoute = createRoute({
  getParentRoute: () => orgRoute,
  path: 'settings',
  component: SettingsScreen,
});

const apiKeysRoute = createRoute({
  getParentRoute: () => orgRoute,
  path: 'settings/api-keys',
  component: ApiKeysScreen,
});

const webhooksRoute = createRoute({
  getParentRoute: () => orgRoute,
  path: 'settings/webhooks',
  component: WebhooksScreen,
});

const auditLogRoute = createRoute({
  getParentRoute: () => orgRoute,
  path: 'audit-log',
  component: AuditLogScreen,
});

const routeTree = rootRoute.addChildren([
  homeRoute,
  signInRoute,
  signUpRoute,
  inviteRoute,
  verifyEmailRoute,
  forgotPasswordRoute,
  resetPasswordRoute,
  devMailRoute,
  appRoute.addChildren([
    appHomeRoute,
    onboardingRoute,
    orgRoute.addChildren([
      dashboardRoute,
      membersRoute,
      settingsRoute,
      apiKeysRoute,
      webhooksRoute,
      auditLogRoute,
    ]),
  ]),
]);

export const router = createRouter({ routeTree, defaultPreload: false, scrollRestoration: true });

declare module '@tanstack/react-router' {
  interface Register {
    router: typeof router;
  }
}
