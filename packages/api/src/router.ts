import { apiKeysRouter } from './routers/apiKeys/index';
import { auditLogRouter } from './routers/auditLog/index';
import { authRouter } from './routers/auth/index';
import { invitationsRouter } from './routers/invitations/index';
import { membersRouter } from './routers/members/index';
import { organizationsRouter } from './routers/organizations/index';
import { webhooksRouter } from './routers/webhooks/index';
import { createCallerFactory, router } from './trpc';

export const appRouter = router({
  auth: authRouter,
  organizations: organizationsRouter,
  members: membersRouter,
  invitations: invitationsRouter,
  auditLog: auditLogRouter,
  apiKeys: apiKeysRouter,
  webhooks: webhooksRouter,
});

export type AppRouter = typeof appRouter;

/** In-process calls: `createCaller(createContextInner({ db, caller }))`. */
export const createCaller = createCallerFactory(appRouter);
