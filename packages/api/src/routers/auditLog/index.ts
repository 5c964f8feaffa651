import { router } from '../../trpc';
import { list } from './list';

// Assembles this area's procedures; each procedure lives in its own file beside this one.
export const auditLogRouter = router({ list });
