// Type tests, checked by `pnpm typecheck` (never run): each `@ts-expect-error` line must stay an
// error, so this file stops compiling if a hook's input or output types loosen.
import { expectTypeOf } from 'vitest';
import {
  type ErrorReason,
  errorReason,
  type LeaveResult,
  type Member,
  type Organization,
  trpc,
  useLeaveOrganization,
  useMembers,
  useRemoveMember,
  useSession,
  useUpdateMemberRole,
} from '../src';

export function useLeaveTypes() {
  const leave = useLeaveOrganization({
    onLeft: ({ nextOrganization }) => {
      expectTypeOf(nextOrganization).toEqualTypeOf<{ id: string; slug: string } | null>();
    },
  });
  leave.mutate({ organizationId: 'id' });
  // @ts-expect-error organizationId is required
  leave.mutate({});
  // @ts-expect-error organizationId is a string
  leave.mutate({ organizationId: 42 });
  // @ts-expect-error unknown option
  useLeaveOrganization({ onGone: () => {} });

  expectTypeOf(leave.reason).toEqualTypeOf<ErrorReason | null>();
  // @ts-expect-error not a reason the server can answer with
  if (leave.reason === 'NOT_A_REASON') return null;
  if (leave.reason === 'AT_LEAST_ONE_OWNER_REQUIRED') return null;
  expectTypeOf(leave.data).toEqualTypeOf<LeaveResult | undefined>();
  return null;
}

export function useMemberTypes(organizationId: string) {
  const { members } = useMembers({ organizationId, limit: 50 });
  expectTypeOf(members).toEqualTypeOf<Member[]>();
  expectTypeOf<Member['role']>().toEqualTypeOf<'owner' | 'admin' | 'member' | 'viewer'>();
  // @ts-expect-error limit is a number
  useMembers({ organizationId, limit: '50' });

  const remove = useRemoveMember();
  remove.mutate({ organizationId, memberId: 'm' });
  // @ts-expect-error memberId is required
  remove.mutate({ organizationId });
  // @ts-expect-error it is memberId, not userId
  remove.mutate({ organizationId, userId: 'u' });

  const updateRole = useUpdateMemberRole();
  updateRole.mutate({ organizationId, memberId: 'm', role: 'viewer' });
  // @ts-expect-error not a role
  updateRole.mutate({ organizationId, memberId: 'm', role: 'superuser' });
  return null;
}

export function useOtherTypes(error: unknown, organization: Organization) {
  expectTypeOf(errorReason(error)).toEqualTypeOf<ErrorReason | null>();
  expectTypeOf(organization.id).toBeString();
  const session = useSession();
  // @ts-expect-error signIn needs a password
  session.signIn({ email: 'a@example.com' });
  // The raw hooks are typed too.
  trpc.organizations.bySlug.useQuery({ slug: 'acme' });
  // @ts-expect-error bySlug takes a slug
  trpc.organizations.bySlug.useQuery({ id: 'acme' });
  return null;
}
