import { router } from '../../trpc';
import { me } from './me';
import { setActiveOrganization } from './setActiveOrganization';
import { signIn } from './signIn';
import { signOut } from './signOut';
import { signUp } from './signUp';

// Assembles this area's procedures; each procedure lives in its own file beside this one.
export const authRouter = router({ signUp, signIn, signOut, me, setActiveOrganization });
