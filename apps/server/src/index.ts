export { type BuildServerOptions, buildServer } from './app';
export { type Authenticate, defaultAuthenticate } from './authenticate';
export { CONFIG_VARIABLES, type Config, ConfigError, loadConfig } from './config';
export {
  createDispatcher,
  DEFAULT_DISPATCHER_SETTINGS,
  type Dispatcher,
  type DispatcherSettings,
  type DispatchRound,
  retryDelayMs,
  webhookBody,
} from './dispatcher';
export {
  createDevMailbox,
  createMailer,
  createSmtpTransport,
  DEFAULT_MAILER_SETTINGS,
  type DevMailbox,
  type DevMailboxEntry,
  type Mailer,
  type MailerSettings,
  type MailRound,
  type MailTransport,
  type OutgoingMail,
} from './mailer';
export { isOriginAllowed } from './origin';
export { createPurger, DEFAULT_PURGER_SETTINGS, type Purger, type PurgerSettings } from './purge';
export {
  AUTH_PROCEDURES,
  createRateLimitRedis,
  DEFAULT_RATE_LIMITS,
  type RateLimitSettings,
  sharedStoreWithFallback,
} from './rate-limit';
export { type RunningServer, startServer } from './start';
