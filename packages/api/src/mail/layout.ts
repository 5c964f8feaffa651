/** What a template says, per language; the layout turns it into the plain-text and HTML bodies. */
export interface MailContent {
  subject: string;
  /** Paragraphs, plain text (escaped for HTML by the layout). */
  paragraphs: string[];
  /** The main link, shown as a button in HTML and as "label: url" in plain text. */
  action?: { label: string; url: string };
  /** A closing line in small print (e.g. "If you did not ask for this, ignore this mail."). */
  note?: string;
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

const escapes: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => escapes[c] ?? c);
}

/** One layout for every mail: plain text first (what a careful reader sees), HTML the same words. */
export function renderMailContent(content: MailContent): RenderedMail {
  const text = [
    ...content.paragraphs,
    ...(content.action ? [`${content.action.label}: ${content.action.url}`] : []),
    ...(content.note ? [content.note] : []),
    '— Roster',
  ].join('\n\n');
  const html = [
    '<!doctype html><html><body style="font-family:system-ui,sans-serif;line-height:1.5;color:#111">',
    ...content.paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`),
    content.action
      ? `<p><a href="${escapeHtml(content.action.url)}" style="display:inline-block;padding:10px 16px;background:#1d4ed8;color:#fff;border-radius:6px;text-decoration:none">${escapeHtml(content.action.label)}</a></p>` +
        `<p style="font-size:13px;color:#555">${escapeHtml(content.action.url)}</p>`
      : '',
    content.note ? `<p style="font-size:13px;color:#555">${escapeHtml(content.note)}</p>` : '',
    '<p>— Roster</p></body></html>',
  ].join('\n');
  return { subject: content.subject, text: `${text}\n`, html };
}
