import {
  type AuditLogFilters,
  auditLogExportPath,
  useAuditLog,
  useMembers,
  usePermissions,
} from '@roster/react';
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { AUDIT_ACTIONS, actionKey, auditSentence } from '../audit';
import { ErrorText } from '../components/ErrorText';
import { FilterSelect } from '../components/FilterSelect';
import { currentLanguage } from '../i18n';
import { useCurrentOrganization } from './OrgLayout';

const AUDIT_PAGE_SIZE = 20;

function formatDateTime(value: string): string {
  return new Intl.DateTimeFormat(currentLanguage(), { dateStyle: 'medium', timeStyle: 'short' }).format(
    new Date(value),
  );
}

/** The start of a local calendar day (`yyyy-mm-dd`) as an ISO instant; `days` later for an exclusive end. */
function dayStart(day: string, days = 0): string {
  const date = new Date(`${day}T00:00:00`);
  date.setDate(date.getDate() + days);
  return date.toISOString();
}

/** /app/$orgSlug/audit-log: the organization's audit log (owners, admins, viewers), filtered, exported. */
export function AuditLogScreen() {
  const { t } = useTranslation();
  const organization = useCurrentOrganization();
  // Shown from the server's permissions answer; auditLog.list checks again.
  const permissions = usePermissions(organization.id);
  if (!permissions.data) return <ErrorText error={permissions.error} />;
  if (!permissions.data.readAuditLog.allowed) {
    return (
      <div className="stack">
        <h1>{t('audit.title')}</h1>
        <p>{t('audit.notAllowed')}</p>
      </div>
    );
  }
  return <AuditLogView organizationId={organization.id} />;
}

function AuditLogView({ organizationId }: { organizationId: string }) {
  const { t } = useTranslation();
  const [action, setAction] = useState('');
  const [actor, setActor] = useState('');
  const [target, setTarget] = useState('');
  const [fromDay, setFromDay] = useState('');
  const [toDay, setToDay] = useState('');
  // People to pick as actor or target: the first 100 members, and everyone the loaded entries name —
  // removed members too, who are no longer in the members list (the API takes any user id).
  const members = useMembers({ organizationId, limit: 100 });
  const seen = useRef(new Map<string, string>());
  const filters: AuditLogFilters = {
    ...(action ? { action } : {}),
    ...(actor ? { actorUserId: actor } : {}),
    ...(target ? { targetUserId: target } : {}),
    ...(fromDay ? { from: dayStart(fromDay) } : {}),
    ...(toDay ? { to: dayStart(toDay, 1) } : {}),
  };
  const log = useAuditLog({ organizationId, limit: AUDIT_PAGE_SIZE, ...filters });
  for (const member of members.members) seen.current.set(member.userId, member.name);
  for (const entry of log.entries) {
    if (entry.actor.userId && entry.actor.name) seen.current.set(entry.actor.userId, entry.actor.name);
    if (entry.target.userId && entry.target.name) seen.current.set(entry.target.userId, entry.target.name);
  }
  const people = [...seen.current]
    .sort((a, b) => a[1].localeCompare(b[1]))
    .map(([userId, name]) => ({ value: userId, label: name }));
  const filtered = Object.keys(filters).length > 0;
  return (
    <div className="stack">
      <h1>{t('audit.title')}</h1>
      <search className="filters" aria-label={t('audit.filters')}>
        <FilterSelect
          label={t('audit.action')}
          allLabel={t('audit.allActions')}
          options={AUDIT_ACTIONS.map((option) => ({
            value: option,
            label: t(`audit.actionNames.${actionKey(option)!}`),
          }))}
          value={action}
          onChange={setAction}
        />
        <FilterSelect
          label={t('audit.actor')}
          allLabel={t('audit.anyone')}
          options={people}
          value={actor}
          onChange={setActor}
        />
        <FilterSelect
          label={t('audit.target')}
          allLabel={t('audit.anyone')}
          options={people}
          value={target}
          onChange={setTarget}
        />
        <label className="field">
          <span>{t('audit.from')}</span>
          <input type="date" value={fromDay} onChange={(event) => setFromDay(event.target.value)} />
        </label>
        <label className="field">
          <span>{t('audit.to')}</span>
          <input type="date" value={toDay} onChange={(event) => setToDay(event.target.value)} />
        </label>
      </search>
      <div className="row">
        <a className="button" href={auditLogExportPath(organizationId, 'csv', filters)} download>
          {t('audit.exportCsv')}
        </a>
        <a className="button" href={auditLogExportPath(organizationId, 'jsonl', filters)} download>
          {t('audit.exportJsonl')}
        </a>
      </div>
      <ErrorText error={log.error} />
      {log.data && log.entries.length === 0 && <p>{filtered ? t('audit.noMatches') : t('audit.empty')}</p>}
      <ol className="list" aria-label={t('audit.entries')}>
        {log.entries.map((entry) => (
          <li key={entry.id} className="list-row" data-testid="audit-entry" data-action={entry.action}>
            <span>{auditSentence(t, entry)}</span>
            <time className="muted" dateTime={entry.createdAt}>
              {formatDateTime(entry.createdAt)}
            </time>
          </li>
        ))}
      </ol>
      <div className="row">
        <span className="muted" aria-live="polite">
          {t('audit.shown', { count: log.entries.length })}
        </span>
        {log.hasNextPage && (
          <button
            type="button"
            className="button"
            disabled={log.isFetchingNextPage}
            onClick={() => void log.fetchNextPage()}
          >
            {log.isFetchingNextPage ? t('audit.loadingMore') : t('audit.loadMore')}
          </button>
        )}
      </div>
    </div>
  );
}
