// The audit log screen knows every action the API writes (no database, no browser):
// - every action written in the API's and the server's source is in @roster/api's AUDIT_ACTIONS, and
//   every one of those is in the screen's AUDIT_ACTIONS (or, like organization.deleted, can never be read);
// - each has an action name and a sentence in English and German, with the same placeholders, all of
//   which auditSentence fills;
// - each renders, in both languages, from an entry shaped like the one the API writes, as a sentence with
//   nothing left blank or unresolved, never the "unknown action" fallback, and never a secret;
// - rows written before an action recorded what its sentence names (the target of a cancelled ownership
//   offer, the URL of a rotated secret or a redelivery) render too, by a sentence that names neither.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AUDIT_ACTIONS as API_AUDIT_ACTIONS } from '@roster/api';
import type { AuditEntry } from '@roster/react';
import i18next, { type TFunction } from 'i18next';
import { beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_ACTIONS, actionKey, auditSentence, type UnreadableAuditAction } from '../src/audit';
import { de } from '../src/i18n/de';
import { en, type Messages } from '../src/i18n/en';

const ROOT = join(import.meta.dirname, '../../..');
/** Where audit rows are written: the API, and the server's demo seed. */
const WRITERS = ['packages/api/src', 'apps/server/src'];
const UNREADABLE: readonly UnreadableAuditAction[] = ['organization.deleted'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.tsx?$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** Every `area.name` literal on an `action:` line (`action: 'x.y'`, `action: kind ? 'x.y' : 'x.z'`). */
function writtenActions(): Map<string, string> {
  const found = new Map<string, string>();
  for (const dir of WRITERS) {
    for (const file of sourceFiles(join(ROOT, dir))) {
      for (const line of readFileSync(file, 'utf8').match(/\baction:[^\n]*/g) ?? []) {
        for (const [, action] of line.matchAll(/'([a-z_]+\.[a-z_]+)'/g)) {
          found.set(action!, file.slice(ROOT.length + 1));
        }
      }
    }
  }
  return found;
}

const placeholders = (sentence: string) => [...sentence.matchAll(/{{(\w+)}}/g)].map((m) => m[1]).sort();
/** The variables auditSentence passes to every sentence. */
const VARIABLES = ['actor', 'target', 'role', 'from', 'to', 'email', 'name', 'url'];

const ada = { id: '00000000-0000-4000-8000-00000000000a', name: 'Ada Lovelace', email: 'ada@example.com' };
const cleo = { id: '00000000-0000-4000-8000-00000000000c', name: 'Cleo Park', email: 'cleo@example.com' };
const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const SECRET = 'whsec_c2VjcmV0LXRoYXQtbXVzdC1uZXZlci1zaG93';

/** An entry as auditLog.list answers it, by a person unless `apiKey` is given. */
function entry(
  action: string,
  metadata: Record<string, unknown>,
  options: { target?: typeof cleo | null; targetMembership?: boolean; apiKey?: string } = {},
): AuditEntry {
  const target = options.target ?? null;
  return {
    id: id(1),
    action,
    actor: options.apiKey
      ? { type: 'apiKey', userId: null, apiKeyId: id(2), name: options.apiKey, email: null }
      : { type: 'user', userId: ada.id, apiKeyId: null, name: ada.name, email: ada.email },
    target: {
      userId: target?.id ?? null,
      membershipId: target || options.targetMembership ? id(3) : null,
      name: target?.name ?? null,
      email: target?.email ?? null,
    },
    metadata,
    createdAt: '2026-11-30T12:00:00.000Z',
  };
}

/** Per action, an entry with the target and metadata the code that writes it gives it. */
const SAMPLES: Record<(typeof AUDIT_ACTIONS)[number], AuditEntry> = {
  'member.removed': entry(
    'member.removed',
    { role: 'member', revoked: { apiKeyIds: [id(4)], invitationIds: [] }, keptApiKeyIds: [] },
    { target: cleo },
  ),
  'member.left': entry(
    'member.left',
    { role: 'admin', revoked: { apiKeyIds: [], invitationIds: [id(5), id(6)] }, keptApiKeyIds: [] },
    { target: ada },
  ),
  'member.role_changed': entry('member.role_changed', { from: 'member', to: 'viewer' }, { target: cleo }),
  'ownership.offered': entry(
    'ownership.offered',
    { offerId: id(7), targetRole: 'admin', expiresAt: '2026-12-07T12:00:00.000Z' },
    { target: cleo },
  ),
  'ownership.declined': entry('ownership.declined', { offerId: id(7) }, { target: ada }),
  'ownership.offer_cancelled': entry('ownership.offer_cancelled', { offerId: id(7) }, { target: cleo }),
  'ownership.transferred': entry(
    'ownership.transferred',
    { offerId: id(7), previousOwnerMembershipId: id(8), targetPreviousRole: 'admin' },
    { target: cleo },
  ),
  'invitation.created': entry(
    'invitation.created',
    { invitationId: id(9), email: 'eve@example.com', role: 'member' },
    { apiKey: 'CI' },
  ),
  'invitation.resent': entry('invitation.resent', {
    invitationId: id(9),
    email: 'eve@example.com',
    role: 'member',
  }),
  'invitation.revoked': entry('invitation.revoked', { invitationId: id(9), email: 'eve@example.com' }),
  'invitation.accepted': entry(
    'invitation.accepted',
    { invitationId: id(9), role: 'member' },
    { target: ada },
  ),
  'api_key.created': entry('api_key.created', { apiKeyId: id(10), name: 'CI', scopes: ['members:read'] }),
  'api_key.revoked': entry('api_key.revoked', { apiKeyId: id(10), name: 'CI' }),
  'organization.created': entry('organization.created', { name: 'Acme', slug: 'acme' }),
  'organization.updated': entry('organization.updated', {
    changes: { name: { from: 'Acme', to: 'Acme Inc' } },
  }),
  'organization.deletion_scheduled': entry('organization.deletion_scheduled', {
    deletionDueAt: '2026-12-30T12:00:00.000Z',
    graceDays: 30,
  }),
  'organization.restored': entry('organization.restored', {}),
  'webhook.created': entry('webhook.created', { webhookId: id(11), url: 'https://hooks.example.com/roster' }),
  // The rotated secret is in neither the row nor its metadata; a sentence must not show one even if it were.
  'webhook.secret_rotated': entry('webhook.secret_rotated', {
    webhookId: id(11),
    url: 'https://hooks.example.com/roster',
    secret: SECRET,
  }),
  'webhook.redelivered': entry('webhook.redelivered', {
    webhookId: id(11),
    url: 'https://hooks.example.com/roster',
    deliveryId: id(12),
    eventId: id(13),
  }),
  'webhook.deleted': entry('webhook.deleted', { webhookId: id(11), url: 'https://hooks.example.com/roster' }),
};

/** What the sentence names besides the actor: the person, address, key or URL the row is about. */
const SHOWS: Partial<Record<(typeof AUDIT_ACTIONS)[number], string[]>> = {
  'member.removed': [cleo.name],
  'member.role_changed': [cleo.name],
  'ownership.offered': [cleo.name],
  'ownership.offer_cancelled': [cleo.name],
  'ownership.transferred': [cleo.name],
  'invitation.created': ['eve@example.com'],
  'invitation.resent': ['eve@example.com'],
  'invitation.revoked': ['eve@example.com'],
  'api_key.created': ['CI'],
  'api_key.revoked': ['CI'],
  'webhook.created': ['https://hooks.example.com/roster'],
  'webhook.secret_rotated': ['https://hooks.example.com/roster'],
  'webhook.redelivered': ['https://hooks.example.com/roster'],
  'webhook.deleted': ['https://hooks.example.com/roster'],
};

/**
 * Rows written before these actions recorded what their sentence names: a cancelled offer with the
 * target's membership only (no user id, so no name), a rotation or redelivery with ids only.
 */
const OLDER_ROWS: Array<[string, AuditEntry]> = [
  [
    'ownership.offer_cancelled',
    entry('ownership.offer_cancelled', { offerId: id(7) }, { targetMembership: true }),
  ],
  ['webhook.secret_rotated', entry('webhook.secret_rotated', { webhookId: id(11) })],
  [
    'webhook.redelivered',
    entry('webhook.redelivered', { webhookId: id(11), deliveryId: id(12), eventId: id(13) }),
  ],
];

const LANGUAGES: Array<{ lang: 'en' | 'de'; messages: Messages }> = [
  { lang: 'en', messages: en },
  { lang: 'de', messages: de },
];

describe('audit log sentences', () => {
  it('every action the API (or the seed) writes is in @roster/api AUDIT_ACTIONS', () => {
    const written = writtenActions();
    expect(written.size).toBeGreaterThan(10); // the scan found the writers
    const unlisted = [...written].filter(
      ([action]) => !(API_AUDIT_ACTIONS as readonly string[]).includes(action),
    );
    expect(unlisted).toEqual([]);
    // and the list names nothing that is never written
    expect([...API_AUDIT_ACTIONS].filter((action) => !written.has(action))).toEqual([]);
  });

  it('the screen knows every action of @roster/api AUDIT_ACTIONS except those nobody can read', () => {
    const missing = API_AUDIT_ACTIONS.filter(
      (action) =>
        !(AUDIT_ACTIONS as readonly string[]).includes(action) &&
        !(UNREADABLE as readonly string[]).includes(action),
    );
    expect(missing).toEqual([]);
    expect(
      AUDIT_ACTIONS.filter((action) => !(API_AUDIT_ACTIONS as readonly string[]).includes(action)),
    ).toEqual([]);
    expect(new Set(AUDIT_ACTIONS).size).toBe(AUDIT_ACTIONS.length);
  });

  it('each action has a name and a sentence in English and German, with the same placeholders', () => {
    for (const action of AUDIT_ACTIONS) {
      const key = actionKey(action)!;
      for (const { lang, messages } of LANGUAGES) {
        expect(messages.audit.actionNames[key], `${lang} actionNames.${key}`).toBeTruthy();
        expect(messages.audit.sentences[key], `${lang} sentences.${key}`).toMatch(/^{{actor}} /);
        for (const variable of placeholders(messages.audit.sentences[key])) {
          expect(VARIABLES, `${lang} sentences.${key}: {{${variable}}}`).toContain(variable);
        }
      }
      expect(placeholders(de.audit.sentences[key]), key).toEqual(placeholders(en.audit.sentences[key]));
    }
    expect(Object.keys(de.audit.sentences).sort()).toEqual(Object.keys(en.audit.sentences).sort());
    expect(Object.keys(en.audit.olderSentences).sort()).toEqual(
      OLDER_ROWS.map(([action]) => actionKey(action)).sort(),
    );
    for (const [key, sentence] of Object.entries(en.audit.olderSentences)) {
      const german = de.audit.olderSentences[key as keyof typeof de.audit.olderSentences];
      // An older sentence names only the actor: the row has nothing else to say.
      expect(placeholders(sentence), `en olderSentences.${key}`).toEqual(['actor']);
      expect(placeholders(german), `de olderSentences.${key}`).toEqual(['actor']);
      expect(sentence).toMatch(/^{{actor}} /);
      expect(german).toMatch(/^{{actor}} /);
    }
    expect(Object.keys(de.audit.actionNames).sort()).toEqual(Object.keys(en.audit.actionNames).sort());
  });

  describe.each(LANGUAGES)('rendered in $lang', ({ lang }) => {
    let t: TFunction;
    beforeAll(async () => {
      const i18n = i18next.createInstance();
      await i18n.init({
        resources: { en: { translation: en }, de: { translation: de } },
        lng: lang,
        fallbackLng: false,
        interpolation: { escapeValue: false },
      });
      t = i18n.t;
    });

    it.each(AUDIT_ACTIONS)('%s', (action) => {
      const sample = SAMPLES[action];
      const sentence = auditSentence(t, sample);
      const someone = t('audit.someone');
      expect(sentence).not.toBe(t('audit.unknown', { actor: sample.actor.name ?? someone, action }));
      expect(sentence).not.toContain(action);
      expect(sentence).not.toMatch(/{{|}}|audit\.|undefined|null|“”|„“|\(\)|\s{2}|\s$/);
      expect(sentence).not.toContain(someone);
      expect(sentence).not.toContain(SECRET);
      const actor = sample.actor.type === 'apiKey' ? t('audit.apiKeyActor', { name: 'CI' }) : ada.name;
      expect(sentence.startsWith(actor), sentence).toBe(true);
      for (const shown of SHOWS[action] ?? []) expect(sentence).toContain(shown);
    });

    it.each(OLDER_ROWS)('%s, written before it named its target or URL', (action, older) => {
      const sentence = auditSentence(t, older);
      const key = actionKey(action) as keyof Messages['audit']['olderSentences'];
      expect(sentence).toBe(t(`audit.olderSentences.${key}`, { actor: ada.name }));
      expect(sentence).not.toBe(auditSentence(t, SAMPLES[action as keyof typeof SAMPLES]));
      expect(sentence).not.toMatch(/{{|}}|audit\.|undefined|null|“”|„“|\(\)|\s{2}|\s$/);
      expect(sentence).not.toContain(t('audit.someone'));
      expect(sentence.startsWith(ada.name), sentence).toBe(true);
    });
  });
});
