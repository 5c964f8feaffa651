import { router } from '../../trpc';
import { leave } from './leave';
import { list } from './list';
import { remove } from './remove';
import { transferOwnership } from './transferOwnership';
import { updateRole } from './updateRole';

// Assembles this area's procedures; each procedure lives in its own file beside this one.
export const membersRouter = router({ list, leave, remove, updateRole, transferOwnership });
