import { router } from '../../trpc';
import { me } from './me';
import { requestPasswordReset } from './requestPasswordReset';
import { resendVerification } from './resendVerification';
import { resetPassword } from './resetPassword';
import { setActiveOrganization } from './setActiveOrganization';
import { signIn } from './signIn';
import { signOut } from './signOut';
import { signUp } from './signUp';
import { verifyEmail } from './verifyEmail';

// Assembles this area's procedures; each procedure lives in its own file beside this one.
export const authRouter = router({
  signUp,
  signIn,
  signOut,
  me,
  setActiveOrganization,
  verifyEmail,
  resendVerification,
  requestPasswordReset,
  resetPassword,
});
