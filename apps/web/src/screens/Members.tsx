import {
  type Member,
  useCreateInvitation,
  useInvitations,
  useMembers,
  usePermissions,
  useRemoveMember,
  useRevokeInvitation,
  useSession,
  useUpdateMemberRole,
} from '@roster/react';
import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useAppState } from '../app-state';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { ErrorText } from '../components/ErrorText';
import { FilterSelect } from '../components/FilterSelect';
import { LeaveDialog } from '../components/LeaveDialog';
import { currentLanguage } from '../i18n';
import { useCurrentOrganization } from './OrgLayout';

const MEMBERS_PAGE_SIZE = 10;

type Role = Member['role'];
const ROLES: readonly Role[] = ['owner', 'admin', 'member', 'viewer'];

function formatDate(value: string | Date): string {
  return new Intl.DateTimeFormat(currentLanguage(), { dateStyle: 'medium' }).format(new Date(value));
}

/** /app/$orgSlug/members: the members (paged), invitations, and the actions the caller's role allows. */
export function MembersScreen() {
  const { t } = useTranslation();
  const organization = useCurrentOrganization();
  const session = useSession();
  const { setNotice } = useAppState();
  const [search, setSearch] = useState('');
  const [roleFilter, setRoleFilter] = useState<Role | ''>('');
  // The list follows the search box once typing pauses, not on every keystroke.
  const [query, setQuery] = useState('');
  useEffect(() => {
    const timer = setTimeout(() => setQuery(search.trim()), 250);
    return () => clearTimeout(timer);
  }, [search]);
  const members = useMembers({
    organizationId: organization.id,
    limit: MEMBERS_PAGE_SIZE,
    ...(query ? { query } : {}),
    ...(roleFilter ? { role: roleFilter } : {}),
  });
  const remove = useRemoveMember();
  const updateRole = useUpdateMemberRole();
  // Every action shown comes from the server's permissions answer. A sole owner is not offered Leave
  // (the server would refuse): Settings shows the transfer path.
  const permissions = usePermissions(organization.id);
  const [actionError, setActionError] = useState<unknown>(null);
  const invitableRoles = permissions.invitableRoles;
  const headingRef = useRef<HTMLHeadingElement>(null);

  const onRemove = (member: Member) => {
    setActionError(null);
    remove.mutate(
      { organizationId: organization.id, memberId: member.id },
      {
        onSuccess: (result) =>
          setNotice(
            t('members.removed', {
              name: member.name,
              apiKeys: t('members.apiKeyCount', { count: result.revoked.apiKeys }),
              invitations: t('members.invitationCount', { count: result.revoked.invitations }),
            }),
          ),
        onError: setActionError,
      },
    );
  };
  const onChangeRole = (member: Member, role: Role) => {
    setActionError(null);
    updateRole.mutate(
      { organizationId: organization.id, memberId: member.id, role },
      {
        onSuccess: () => setNotice(t('members.roleChanged', { name: member.name, role: t(`roles.${role}`) })),
        onError: setActionError,
      },
    );
  };

  return (
    <div className="stack">
      <h1 ref={headingRef} tabIndex={-1}>
        {t('members.title')}
      </h1>
      <search className="row" aria-label={t('members.search')}>
        <label className="field">
          <span>{t('members.search')}</span>
          <input
            type="search"
            value={search}
            placeholder={t('members.searchPlaceholder')}
            onChange={(event) => setSearch(event.target.value)}
          />
        </label>
        <FilterSelect
          label={t('members.roleFilter')}
          allLabel={t('members.allRoles')}
          options={ROLES.map((option) => ({ value: option, label: t(`roles.${option}`) }))}
          value={roleFilter}
          onChange={setRoleFilter}
        />
      </search>
      <ErrorText error={actionError ?? members.error} />
      {members.data && members.members.length === 0 && (query || roleFilter) && (
        <p>{t('members.noMatches')}</p>
      )}
      <div className="table-wrap">
        <table className="table">
          <thead>
            <tr>
              <th scope="col">{t('members.name')}</th>
              <th scope="col">{t('members.email')}</th>
              <th scope="col">{t('members.role')}</th>
              <th scope="col">{t('members.joined')}</th>
              <th scope="col">
                <span className="visually-hidden">{t('members.actions')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {members.members.map((member) => {
              const isSelf = member.userId === session.user?.id;
              const role = member.role;
              const others = isSelf ? [] : permissions.assignableRoles(role);
              const roles = others.length > 0 ? ROLES.filter((r) => r === role || others.includes(r)) : [];
              return (
                <tr key={member.id} data-testid={`member-${member.email}`}>
                  <th scope="row">
                    {member.name} {isSelf && <span className="muted">{t('members.you')}</span>}
                  </th>
                  <td>{member.email}</td>
                  <td>
                    {roles.length > 0 ? (
                      <RoleSelect
                        member={member}
                        roles={roles}
                        onChange={(next) => onChangeRole(member, next)}
                      />
                    ) : (
                      t(`roles.${role}`)
                    )}
                  </td>
                  <td>{formatDate(member.joinedAt)}</td>
                  <td className="actions">
                    {isSelf && permissions.canLeave && (
                      <LeaveDialog
                        organization={organization}
                        triggerLabel={t('members.leave')}
                        triggerClassName="button small danger"
                      />
                    )}
                    {!isSelf && permissions.canRemove(role) && (
                      <RemoveMember
                        member={member}
                        organizationName={organization.name}
                        onRemove={onRemove}
                        focusAfterRemoval={() => headingRef.current?.focus()}
                      />
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <div className="row">
        <span className="muted" aria-live="polite">
          {t('members.shown', { count: members.members.length })}
        </span>
        {members.hasNextPage && (
          <button
            type="button"
            className="button"
            disabled={members.isFetchingNextPage}
            onClick={() => void members.fetchNextPage()}
          >
            {members.isFetchingNextPage ? t('members.loadingMore') : t('members.loadMore')}
          </button>
        )}
      </div>
      {invitableRoles.length > 0 && (
        <div className="columns">
          <InviteForm organizationId={organization.id} roles={invitableRoles} />
          <PendingInvitations organizationId={organization.id} />
        </div>
      )}
    </div>
  );
}

function RoleSelect({
  member,
  roles,
  onChange,
}: {
  member: Member;
  roles: Role[];
  onChange(role: Role): void;
}) {
  const { t } = useTranslation();
  const id = useId();
  return (
    <>
      <label htmlFor={id} className="visually-hidden">
        {t('members.changeRoleOf', { name: member.name })}
      </label>
      <select id={id} value={member.role} onChange={(event) => onChange(event.target.value as Role)}>
        {roles.map((role) => (
          <option key={role} value={role}>
            {t(`roles.${role}`)}
          </option>
        ))}
      </select>
    </>
  );
}

function RemoveMember({
  member,
  organizationName,
  onRemove,
  focusAfterRemoval,
}: {
  member: Member;
  organizationName: string;
  onRemove(member: Member): void;
  /** Where focus goes once confirmed: the button that opened the dialog leaves with its row. */
  focusAfterRemoval(): void;
}) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const confirmed = useRef(false);
  const names = { name: member.name, email: member.email, organization: organizationName };
  return (
    <ConfirmDialog
      trigger={
        <button type="button" className="button small danger" aria-label={t('members.removeNamed', names)}>
          {t('members.remove')}
        </button>
      }
      open={open}
      onOpenChange={(next) => {
        if (next) confirmed.current = false;
        setOpen(next);
      }}
      onCloseAutoFocus={(event) => {
        if (!confirmed.current) return;
        event.preventDefault();
        focusAfterRemoval();
      }}
      title={t('members.removeTitle', names)}
      description={<p>{t('members.removeText', names)}</p>}
      confirmLabel={t('members.removeConfirm', names)}
      pendingLabel={t('members.removing')}
      cancelLabel={t('members.cancel')}
      onConfirm={() => {
        // The row leaves the list at once (optimistic); a refusal puts it back and shows why above the list.
        confirmed.current = true;
        setOpen(false);
        onRemove(member);
      }}
    />
  );
}

function InviteForm({ organizationId, roles }: { organizationId: string; roles: Role[] }) {
  const { t } = useTranslation();
  const { setNotice } = useAppState();
  const invite = useCreateInvitation();
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const email = String(form.get('email')).trim();
    invite.mutate(
      { organizationId, email, role: String(form.get('role')) as Role },
      {
        onSuccess: () => {
          setNotice(t('members.invited', { email }));
          formElement.reset();
        },
      },
    );
  };
  return (
    <section className="card" aria-labelledby="invite-title">
      <h2 id="invite-title">{t('members.inviteTitle')}</h2>
      <form className="form" onSubmit={submit}>
        <label className="field">
          <span>{t('members.inviteEmail')}</span>
          <input name="email" type="email" required autoComplete="off" />
        </label>
        <label className="field">
          <span>{t('members.inviteRole')}</span>
          <select name="role" defaultValue="member">
            {roles.map((option) => (
              <option key={option} value={option}>
                {t(`roles.${option}`)}
              </option>
            ))}
          </select>
        </label>
        <ErrorText error={invite.error} />
        <button type="submit" className="button primary" disabled={invite.isPending}>
          {invite.isPending ? t('members.inviting') : t('members.invite')}
        </button>
      </form>
    </section>
  );
}

function PendingInvitations({ organizationId }: { organizationId: string }) {
  const { t } = useTranslation();
  const { setNotice } = useAppState();
  const invitations = useInvitations(organizationId);
  const revoke = useRevokeInvitation();
  const list = invitations.data ?? [];
  return (
    <section className="card" aria-labelledby="pending-title">
      <h2 id="pending-title">{t('members.pendingTitle')}</h2>
      <ErrorText error={invitations.error ?? revoke.error} />
      {invitations.data && list.length === 0 && <p>{t('members.noPending')}</p>}
      <ul className="list">
        {list.map((invitation) => (
          <li key={invitation.id} className="list-row">
            <span>
              <strong>{invitation.email}</strong>{' '}
              <span className="muted">
                {t('members.invitedAs', { role: t(`roles.${invitation.role}`) })} ·{' '}
                {t('members.expires', { date: formatDate(invitation.expiresAt) })}
              </span>
            </span>
            <button
              type="button"
              className="button small"
              aria-label={t('members.revokeNamed', { email: invitation.email })}
              disabled={revoke.isPending}
              onClick={() =>
                revoke.mutate(
                  { invitationId: invitation.id },
                  { onSuccess: () => setNotice(t('members.revoked', { email: invitation.email })) },
                )
              }
            >
              {t('members.revoke')}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
