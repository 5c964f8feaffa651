import { router } from '../../trpc';
import { acceptOwnership } from './acceptOwnership';
import { cancelOwnershipOffer } from './cancelOwnershipOffer';
import { declineOwnership } from './declineOwnership';
import { leave } from './leave';
import { list } from './list';
import { offerOwnership } from './offerOwnership';
import { ownershipOffer } from './ownershipOffer';
import { remove } from './remove';
import { transferOwnership } from './transferOwnership';
import { updateRole } from './updateRole';

// Assembles this area's procedures; each procedure lives in its own file beside this one.
export const membersRouter = router({
  list,
  leave,
  remove,
  updateRole,
  transferOwnership,
  offerOwnership,
  acceptOwnership,
  declineOwnership,
  cancelOwnershipOffer,
  ownershipOffer,
});
