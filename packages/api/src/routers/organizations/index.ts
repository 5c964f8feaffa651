import { router } from '../../trpc';
import { bySlug } from './bySlug';
import { create } from './create';
import { exportOrganization } from './export';
import { get } from './get';
import { listMine } from './listMine';
import { permissions } from './permissions';
import { restore } from './restore';
import { scheduleDeletion } from './scheduleDeletion';
import { update } from './update';

// Assembles this area's procedures; each procedure lives in its own file beside this one.
export const organizationsRouter = router({
  create,
  listMine,
  get,
  bySlug,
  permissions,
  scheduleDeletion,
  update,
  restore,
  export: exportOrganization,
});
