import { router } from '../../trpc';
import { create } from './create';
import { deleteWebhook } from './delete';
import { deliveries } from './deliveries';
import { list } from './list';
import { redeliver } from './redeliver';
import { rotateSecret } from './rotate-secret';

// Assembles this area's procedures; each procedure lives in its own file beside this one.
export const webhooksRouter = router({
  create,
  list,
  delete: deleteWebhook,
  rotateSecret,
  deliveries,
  redeliver,
});
