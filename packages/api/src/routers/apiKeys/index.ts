import { router } from '../../trpc';
import { create } from './create';
import { list } from './list';
import { revoke } from './revoke';

// Assembles this area's procedures; each procedure lives in its own file beside this one.
export const apiKeysRouter = router({ create, list, revoke });
