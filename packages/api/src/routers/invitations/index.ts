import { router } from '../../trpc';
import { accept } from './accept';
import { create } from './create';
import { list } from './list';
import { listMine } from './listMine';
import { revoke } from './revoke';

// Assembles this area's procedures; each procedure lives in its own file beside this one.
export const invitationsRouter = router({ create, list, revoke, listMine, accept });
