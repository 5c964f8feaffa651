export { defineMail, type MailKindDefinition, type RenderInput, type TokenLink } from './define';
export {
  MAIL_KIND_LIST,
  MAIL_KINDS,
  type MailKind,
  type MailParams,
  PASSWORD_RESET_TTL_MS,
  VERIFY_EMAIL_TTL_MS,
} from './kinds';
export { escapeHtml, type MailContent, type RenderedMail, renderMailContent } from './layout';
export {
  type ClaimedMail,
  claimDueMails,
  enqueueMail,
  type MailRequest,
  type PreparedMail,
  prepareMail,
  settleMail,
  skipPendingMails,
} from './outbox';
