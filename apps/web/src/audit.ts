import type { AuditAction, AuditEntry } from '@roster/react';
import type { TFunction } from 'i18next';
import type { Messages } from './i18n/en';

/**
 * Actions the API writes that no reader of the audit log screen meets: `organization.deleted` is written
 * by the purge once every membership has ended and every API key is revoked, so nobody can read the
 * organization's log any more (auditLog.list and the export answer ORGANIZATION_NOT_FOUND).
 */
export type UnreadableAuditAction = 'organization.deleted';

/**
 * The actions the screen shows as sentences and offers in its filter (the API takes any action name):
 * every `AuditAction` the API writes except the unreadable ones, checked below at compile time.
 */
export const AUDIT_ACTIONS = [
  'member.removed',
  'member.left',
  'member.role_changed',
  'ownership.offered',
  'ownership.declined',
  'ownership.offer_cancelled',
  'ownership.transferred',
  'invitation.created',
  'invitation.resent',
  'invitation.revoked',
  'invitation.accepted',
  'api_key.created',
  'api_key.revoked',
  'organization.created',
  'organization.updated',
  'organization.deletion_scheduled',
  'organization.restored',
  'webhook.created',
  'webhook.secret_rotated',
  'webhook.redelivered',
  'webhook.deleted',
] as const satisfies readonly Exclude<AuditAction, UnreadableAuditAction>[];
type ShownAction = (typeof AUDIT_ACTIONS)[number];

/** `member.role_changed` -> `member_role_changed`: the key of its action name and sentence. */
type KeyOf<A extends string> = A extends `${infer Area}.${infer Rest}` ? `${Area}_${Rest}` : never;
type ActionKey = KeyOf<ShownAction>;

// Every action the API writes has a sentence (or is unreadable), and every sentence and action name
// belongs to an action of the list: a new AuditAction does not compile until the screen knows it.
type Missing = Exclude<AuditAction, ShownAction | UnreadableAuditAction>;
type MissingText =
  | Exclude<ActionKey, keyof Messages['audit']['sentences'] | keyof Messages['audit']['actionNames']>
  | Exclude<keyof Messages['audit']['sentences'] | keyof Messages['audit']['actionNames'], ActionKey>;
const _exhaustive: [Missing, MissingText] extends [never, never] ? true : never = true;
void _exhaustive;

/**
 * Actions whose sentence names something the API did not always record: `ownership.offer_cancelled` rows
 * got their target, `webhook.secret_rotated` and `webhook.redelivered` rows the (shortened) webhook URL,
 * only later. A row written before has its `olderSentences` sentence, which names neither.
 */
const NAMED_SINCE_LATER = {
  ownership_offer_cancelled: 'target',
  webhook_secret_rotated: 'url',
  webhook_redelivered: 'url',
} as const satisfies Partial<Record<ActionKey, 'target' | 'url'>>;
type OlderSentenceKey = keyof typeof NAMED_SINCE_LATER;
const _olderExhaustive: [
  Exclude<OlderSentenceKey, keyof Messages['audit']['olderSentences']>,
  Exclude<keyof Messages['audit']['olderSentences'], OlderSentenceKey>,
] extends [never, never]
  ? true
  : never = true;
void _olderExhaustive;

const hasOlderSentence = (key: ActionKey): key is OlderSentenceKey => key in NAMED_SINCE_LATER;

export function actionKey(action: string): ActionKey | null {
  return (AUDIT_ACTIONS as readonly string[]).includes(action)
    ? (action.replace('.', '_') as ActionKey)
    : null;
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');
const count = (value: unknown): number => (Array.isArray(value) ? value.length : 0);

/** One entry as a sentence: "Ada removed Cleo (member) — 1 API key revoked". */
export function auditSentence(t: TFunction, entry: AuditEntry): string {
  const m = entry.metadata;
  const actor =
    entry.actor.type === 'apiKey'
      ? t('audit.apiKeyActor', { name: entry.actor.name ?? '?' })
      : (entry.actor.name ?? t('audit.someone'));
  const target = entry.target.name ?? text(m.email);
  const role = (value: unknown) =>
    ['owner', 'admin', 'member', 'viewer'].includes(text(value))
      ? t(`roles.${text(value) as 'owner' | 'admin' | 'member' | 'viewer'}`)
      : text(value);
  const key = actionKey(entry.action);
  if (!key) return t('audit.unknown', { actor, action: entry.action });
  const vars = {
    actor,
    target: target || t('audit.someone'),
    role: role(m.role),
    from: role(m.from),
    to: role(m.to),
    email: text(m.email),
    name: text(m.name),
    url: text(m.url),
  };
  // An older row without the target or URL its sentence names gets the sentence that names neither.
  let sentence =
    hasOlderSentence(key) && !(NAMED_SINCE_LATER[key] === 'target' ? target : vars.url)
      ? t(`audit.olderSentences.${key}`, vars)
      : t(`audit.sentences.${key}`, vars);
  if (key === 'organization_updated') {
    const changes = (m.changes ?? {}) as { name?: { to?: unknown }; slug?: { to?: unknown } };
    const parts = [
      ...(changes.name ? [t('audit.renamedTo', { name: text(changes.name.to) })] : []),
      ...(changes.slug ? [t('audit.slugTo', { slug: text(changes.slug.to) })] : []),
    ];
    if (parts.length) sentence = `${sentence}: ${parts.join(', ')}`;
  }
  if (key === 'member_removed' || key === 'member_left') {
    const revoked = (m.revoked ?? {}) as { apiKeyIds?: unknown; invitationIds?: unknown };
    const parts = [
      ...(count(revoked.apiKeyIds) ? [t('audit.apiKeysRevoked', { count: count(revoked.apiKeyIds) })] : []),
      ...(count(revoked.invitationIds)
        ? [t('audit.invitationsRevoked', { count: count(revoked.invitationIds) })]
        : []),
    ];
    if (parts.length) sentence = `${sentence} — ${parts.join(', ')}`;
  }
  return sentence;
}
