// A product's screen, written against the published @roster/react as a product team would.
import {
  type ErrorReason,
  RosterProvider,
  useLeaveOrganization,
  usePermissions,
  useRemoveMember,
} from '@roster/react';
import { QueryClient } from '@tanstack/react-query';

export function MemberRow(props: { organizationId: string; memberId: string; name: string }) {
  const remove = useRemoveMember();
  // `reason` is the typed union of the server's reasons, or null.
  const reason: ErrorReason | null = remove.reason;
  let message = '';
  if (remove.reason === 'INSUFFICIENT_ROLE') message = 'You may not remove this member.';
  // @ts-expect-error a misspelled reason is no reason the server can answer
  if (remove.reason === 'INSUFICIENT_ROLE') message = 'never';
  return (
    <li data-reason={reason ?? ''}>
      {props.name}
      <button
        type="button"
        disabled={remove.isPending}
        onClick={() => remove.mutate({ organizationId: props.organizationId, memberId: props.memberId })}
      >
        Remove
      </button>
      {message && <p>{message}</p>}
    </li>
  );
}

export function LeaveButton(props: {
  organization: { id: string; name: string };
  navigate: (to: string) => void;
}) {
  const leave = useLeaveOrganization({
    onLeft: ({ nextOrganization }) =>
      props.navigate(nextOrganization ? `/app/${nextOrganization.slug}` : '/app/onboarding'),
  });
  // "May I leave?" from the server's own rules: a sole owner is offered the transfer instead.
  const permissions = usePermissions(props.organization.id);
  if (!permissions.canLeave) return <p>Transfer ownership first.</p>;
  // @ts-expect-error a misspelled reason is a type error here too
  const misspelled = leave.reason === 'AT_LEAST_ONE_OWNER_REQUIRD';
  return (
    <>
      <button
        type="button"
        disabled={leave.isPending || misspelled}
        onClick={() => leave.mutate({ organizationId: props.organization.id })}
      >
        Leave {props.organization.name}
      </button>
      {leave.reason === 'AT_LEAST_ONE_OWNER_REQUIRED' && <p>You are the last owner.</p>}
    </>
  );
}

const queryClient = new QueryClient();

export function App() {
  return (
    <RosterProvider url="https://roster.example.com" queryClient={queryClient}>
      <ul>
        <MemberRow organizationId="org_1" memberId="mem_1" name="Ada" />
      </ul>
      <LeaveButton
        organization={{ id: 'org_1', name: 'Acme' }}
        navigate={(to) => window.location.assign(to)}
      />
    </RosterProvider>
  );
}
