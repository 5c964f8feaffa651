import { router } from '../../trpc';
import { accept } from './accept';
import { acceptByToken } from './acceptByToken';
import { byToken } from './byToken';
import { create } from './create';
import { list } from './list';
import { listMine } from './listMine';
import { resend } from './resend';
import { revoke } from './revoke';

// Assembles this area's procedures; each procedure lives in its own file beside this one.
export const invitationsRouter = router({
  create,
  list,
  revoke,
  resend,
  listMine,
  accept,
  acceptByToken,
  byToken,
});
