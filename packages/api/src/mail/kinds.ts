import { isInvitationExpired } from '../rules';
import { defineMail } from './define';

/**
 * Every kind of mail Roster sends. To add one:
 *   1. add an entry here: `params` (ids only — they are stored as JSON in `mail_outbox.params`), a `load`
 *      that reads what the mail needs at delivery (null: nothing to send any more), optionally a
 *      `tokenLink`, and `render.en` / `render.de` returning a `MailContent`;
 *   2. queue it inside the transaction of its cause: `enqueueMail(trx, { kind, to, locale, params })`
 *      (`params` is typed from this table);
 *   3. test it with the SMTP server in apps/server/test/mail/.
 * The mailer (apps/server/src/mailer.ts) needs no change.
 */
export const MAIL_KINDS = {
  /** Sign-up (and auth.resendVerification): prove the address. */
  'auth.verify_email': defineMail({
    async load(db, params: { userId: string }) {
      const user = await db
        .selectFrom('users')
        .select(['id', 'email', 'name', 'email_verified_at'])
        .where('id', '=', params.userId)
        .executeTakeFirst();
      return user && !user.email_verified_at ? user : null;
    },
    tokenLink: (user) => ({
      purpose: 'verify_email',
      path: '/verify-email/',
      email: user.email,
      userId: user.id,
      expiresAt: new Date(Date.now() + VERIFY_EMAIL_TTL_MS),
    }),
    render: {
      en: ({ data, link }) => ({
        subject: 'Confirm your email address for Roster',
        paragraphs: [
          `Hello ${data.name},`,
          'Please confirm that this address is yours. The link works once, for 24 hours.',
        ],
        action: { label: 'Confirm my email address', url: link ?? '' },
        note: 'If you did not sign up for Roster, ignore this mail.',
      }),
      de: ({ data, link }) => ({
        subject: 'Bestätigen Sie Ihre E-Mail-Adresse für Roster',
        paragraphs: [
          `Hallo ${data.name},`,
          'bitte bestätigen Sie, dass diese Adresse Ihnen gehört. Der Link gilt einmal, 24 Stunden lang.',
        ],
        action: { label: 'E-Mail-Adresse bestätigen', url: link ?? '' },
        note: 'Wenn Sie sich nicht bei Roster registriert haben, ignorieren Sie diese Mail.',
      }),
    },
  }),

  /** auth.requestPasswordReset for an existing account. */
  'auth.password_reset': defineMail({
    async load(db, params: { userId: string }) {
      return (
        (await db
          .selectFrom('users')
          .select(['id', 'email', 'name'])
          .where('id', '=', params.userId)
          .executeTakeFirst()) ?? null
      );
    },
    tokenLink: (user) => ({
      purpose: 'password_reset',
      path: '/reset-password/',
      email: user.email,
      userId: user.id,
      expiresAt: new Date(Date.now() + PASSWORD_RESET_TTL_MS),
    }),
    render: {
      en: ({ data, link }) => ({
        subject: 'Reset your Roster password',
        paragraphs: [
          `Hello ${data.name},`,
          'Someone asked to reset the password of your Roster account. The link works once, for one hour; setting a new password signs you out everywhere else.',
        ],
        action: { label: 'Choose a new password', url: link ?? '' },
        note: 'If you did not ask for this, ignore this mail: your password stays as it is.',
      }),
      de: ({ data, link }) => ({
        subject: 'Ihr Roster-Passwort zurücksetzen',
        paragraphs: [
          `Hallo ${data.name},`,
          'jemand hat verlangt, das Passwort Ihres Roster-Kontos zurückzusetzen. Der Link gilt einmal, eine Stunde lang; ein neues Passwort meldet Sie überall sonst ab.',
        ],
        action: { label: 'Neues Passwort wählen', url: link ?? '' },
        note: 'Wenn Sie das nicht verlangt haben, ignorieren Sie diese Mail: Ihr Passwort bleibt, wie es ist.',
      }),
    },
  }),

  /** auth.signUp with an address that already has an account (sign-up answers as for a new one). */
  'auth.sign_up_attempted': defineMail({
    async load(db, params: { userId: string }) {
      return (
        (await db.selectFrom('users').select(['name']).where('id', '=', params.userId).executeTakeFirst()) ??
        null
      );
    },
    render: {
      en: ({ data, appUrl }) => ({
        subject: 'Someone tried to sign up to Roster with your address',
        paragraphs: [
          `Hello ${data.name},`,
          'Someone tried to create a Roster account with this email address, which already has one. No new account was made.',
          `If it was you, sign in at ${appUrl}/sign-in, or reset your password if you forgot it.`,
        ],
        action: { label: 'Reset my password', url: `${appUrl}/forgot-password` },
        note: 'If it was not you, you need not do anything.',
      }),
      de: ({ data, appUrl }) => ({
        subject: 'Jemand wollte sich mit Ihrer Adresse bei Roster registrieren',
        paragraphs: [
          `Hallo ${data.name},`,
          'jemand wollte mit dieser E-Mail-Adresse ein Roster-Konto anlegen; sie hat aber schon eines. Es wurde kein neues Konto angelegt.',
          `Waren Sie das, melden Sie sich unter ${appUrl}/sign-in an oder setzen Sie Ihr Passwort zurück, falls Sie es vergessen haben.`,
        ],
        action: { label: 'Passwort zurücksetzen', url: `${appUrl}/forgot-password` },
        note: 'Waren Sie es nicht, müssen Sie nichts tun.',
      }),
    },
  }),

  /** invitations.create and invitations.resend: the link proves the invited address. */
  'invitation.created': defineMail({
    async load(db, params: { invitationId: string }) {
      const row = await db
        .selectFrom('invitations as i')
        .innerJoin('organizations as o', 'o.id', 'i.organization_id')
        .leftJoin('users as u', 'u.id', 'i.invited_by')
        .select([
          'i.id',
          'i.email',
          'i.role',
          'i.status',
          'i.expires_at',
          'o.name as organization_name',
          'o.status as organization_status',
          'u.name as inviter_name',
        ])
        .where('i.id', '=', params.invitationId)
        .executeTakeFirst();
      if (row?.status !== 'pending' || row.organization_status !== 'active') return null;
      if (isInvitationExpired(new Date(row.expires_at))) return null;
      return row;
    },
    tokenLink: (invitation) => ({
      purpose: 'invitation',
      path: '/invite/',
      email: invitation.email,
      invitationId: invitation.id,
      expiresAt: new Date(invitation.expires_at),
    }),
    render: {
      en: ({ data, link }) => ({
        subject: `${data.inviter_name ?? 'Someone'} invited you to ${data.organization_name} on Roster`,
        paragraphs: [
          `${data.inviter_name ?? 'Someone'} invited you to join ${data.organization_name} as ${data.role}.`,
          `The link works once, until ${new Date(data.expires_at).toUTCString()}. Sign up or sign in with this address (${data.email}) to accept.`,
        ],
        action: { label: `Join ${data.organization_name}`, url: link ?? '' },
        note: 'If you did not expect this invitation, ignore this mail.',
      }),
      de: ({ data, link }) => ({
        subject: `${data.inviter_name ?? 'Jemand'} lädt Sie zu ${data.organization_name} bei Roster ein`,
        paragraphs: [
          `${data.inviter_name ?? 'Jemand'} lädt Sie ein, ${data.organization_name} als ${ROLE_DE[data.role]} beizutreten.`,
          `Der Link gilt einmal, bis ${new Date(data.expires_at).toUTCString()}. Registrieren Sie sich oder melden Sie sich mit dieser Adresse (${data.email}) an, um anzunehmen.`,
        ],
        action: { label: `${data.organization_name} beitreten`, url: link ?? '' },
        note: 'Wenn Sie diese Einladung nicht erwartet haben, ignorieren Sie diese Mail.',
      }),
    },
  }),

  /** organizations.scheduleDeletion: to every active owner. Skipped if restored before it is sent. */
  'organization.deletion_scheduled': defineMail({
    async load(db, params: { organizationId: string; userId: string }) {
      return (
        (await db
          .selectFrom('organizations as o')
          .innerJoin('users as u', (join) => join.on('u.id', '=', params.userId))
          .select(['o.name as organization_name', 'o.slug', 'o.deletion_due_at', 'u.name'])
          .where('o.id', '=', params.organizationId)
          .where('o.status', '=', 'deletion_scheduled')
          .executeTakeFirst()) ?? null
      );
    },
    render: {
      en: ({ data, appUrl }) => ({
        subject: `${data.organization_name} is scheduled for deletion`,
        paragraphs: [
          `Hello ${data.name},`,
          `${data.organization_name} is scheduled for deletion. It will be deleted on ${new Date(data.deletion_due_at!).toUTCString()}: every membership ends then, and its API keys and pending invitations are revoked.`,
          'Until then any owner can restore it, and export its members, invitations and audit log.',
        ],
        action: { label: `Open ${data.organization_name}`, url: `${appUrl}/app/${data.slug}/settings` },
        note: 'You receive this mail because you are an owner of the organization.',
      }),
      de: ({ data, appUrl }) => ({
        subject: `${data.organization_name} ist zum Löschen vorgemerkt`,
        paragraphs: [
          `Hallo ${data.name},`,
          `${data.organization_name} ist zum Löschen vorgemerkt. Die Organisation wird am ${new Date(data.deletion_due_at!).toUTCString()} gelöscht: Dann endet jede Mitgliedschaft, und ihre API-Schlüssel und offenen Einladungen werden widerrufen.`,
          'Bis dahin kann jeder Inhaber sie wiederherstellen und ihre Mitglieder, Einladungen und ihr Audit-Protokoll exportieren.',
        ],
        action: { label: `${data.organization_name} öffnen`, url: `${appUrl}/app/${data.slug}/settings` },
        note: 'Sie erhalten diese Mail, weil Sie Inhaber der Organisation sind.',
      }),
    },
  }),

  /** members.offerOwnership: to the member offered ownership. Skipped once the offer is no longer pending. */
  'ownership.offered': defineMail({
    async load(db, params: { offerId: string }) {
      return (
        (await db
          .selectFrom('ownership_offers as o')
          .innerJoin('organizations as org', 'org.id', 'o.organization_id')
          .innerJoin('memberships as by', 'by.id', 'o.offered_by_membership_id')
          .innerJoin('users as byUser', 'byUser.id', 'by.user_id')
          .innerJoin('memberships as target', 'target.id', 'o.target_membership_id')
          .innerJoin('users as targetUser', 'targetUser.id', 'target.user_id')
          .select([
            'org.name as organization_name',
            'org.slug',
            'o.expires_at',
            'byUser.name as by_name',
            'targetUser.name as name',
          ])
          .where('o.id', '=', params.offerId)
          .where('o.status', '=', 'pending')
          .executeTakeFirst()) ?? null
      );
    },
    render: {
      en: ({ data, appUrl }) => ({
        subject: `${data.by_name} offers you the ownership of ${data.organization_name}`,
        paragraphs: [
          `Hello ${data.name},`,
          `${data.by_name} offers to make you an owner of ${data.organization_name}; they would become an admin. Nothing changes unless you accept.`,
          `The offer is open until ${new Date(data.expires_at).toUTCString()}. Accept or decline it on the organization's dashboard.`,
        ],
        action: { label: `Open ${data.organization_name}`, url: `${appUrl}/app/${data.slug}` },
        note: 'If you do not want to be an owner, decline the offer, or let it expire.',
      }),
      de: ({ data, appUrl }) => ({
        subject: `${data.by_name} bietet Ihnen die Inhaberschaft von ${data.organization_name} an`,
        paragraphs: [
          `Hallo ${data.name},`,
          `${data.by_name} bietet an, Sie zum Inhaber von ${data.organization_name} zu machen; ${data.by_name} würde Administrator. Es ändert sich nichts, solange Sie nicht annehmen.`,
          `Das Angebot gilt bis ${new Date(data.expires_at).toUTCString()}. Nehmen Sie es auf der Übersicht der Organisation an oder lehnen Sie es ab.`,
        ],
        action: { label: `${data.organization_name} öffnen`, url: `${appUrl}/app/${data.slug}` },
        note: 'Wenn Sie nicht Inhaber werden möchten, lehnen Sie das Angebot ab oder lassen Sie es ablaufen.',
      }),
    },
  }),
};

export const VERIFY_EMAIL_TTL_MS = 24 * 60 * 60 * 1000;
export const PASSWORD_RESET_TTL_MS = 60 * 60 * 1000;

const ROLE_DE = { owner: 'Eigentümer', admin: 'Admin', member: 'Mitglied', viewer: 'Betrachter' } as const;

export type MailKind = keyof typeof MAIL_KINDS;
export const MAIL_KIND_LIST = Object.keys(MAIL_KINDS) as MailKind[];
/** The params a kind's queued row carries. */
export type MailParams<K extends MailKind> = Parameters<(typeof MAIL_KINDS)[K]['load']>[1];
