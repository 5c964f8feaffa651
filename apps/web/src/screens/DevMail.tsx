import { Link } from '@tanstack/react-router';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';

interface DevMail {
  id: number;
  to: string;
  subject: string;
  text: string;
  sentAt: string;
}

/** Splits a mail's text into text and clickable links. */
function withLinks(text: string) {
  return text.split(/(https?:\/\/\S+)/g).map((part, index) =>
    /^https?:\/\//.test(part) ? (
      <a key={index} href={part}>
        {part}
      </a>
    ) : (
      part
    ),
  );
}

/**
 * `/dev/mail`: the development mailbox (the server has no SMTP_URL), newest first. Served by the server
 * at /dev/mailbox.json only then; never in production.
 */
export function DevMailScreen() {
  const { t } = useTranslation();
  const [mails, setMails] = useState<DevMail[] | null>(null);
  const [unavailable, setUnavailable] = useState(false);
  const [version, setVersion] = useState(0);
  useEffect(() => {
    let cancelled = false;
    fetch('/dev/mailbox.json').then(
      async (response) => {
        if (cancelled) return;
        if (!response.ok) {
          setUnavailable(true);
          return;
        }
        setMails(((await response.json()) as { mails: DevMail[] }).mails);
      },
      () => !cancelled && setUnavailable(true),
    );
    return () => {
      cancelled = true;
    };
  }, [version]);
  return (
    <main id="main" className="content stack">
      <h1>{t('devMail.title')}</h1>
      <p>{t('devMail.intro')}</p>
      <p>
        <button type="button" className="button" onClick={() => setVersion(version + 1)}>
          {t('devMail.refresh')}
        </button>{' '}
        <Link to="/">{t('app.name')}</Link>
      </p>
      {unavailable ? (
        <p role="status">{t('devMail.unavailable')}</p>
      ) : mails === null ? (
        <p className="loading">{t('app.loading')}</p>
      ) : mails.length === 0 ? (
        <p role="status">{t('devMail.empty')}</p>
      ) : (
        <ul className="stack">
          {mails.map((mail) => (
            <li key={mail.id} className="card">
              <h2>{mail.subject}</h2>
              <p>
                {t('devMail.to', { to: mail.to })} · {new Date(mail.sentAt).toLocaleString()}
              </p>
              <pre style={{ whiteSpace: 'pre-wrap' }}>{withLinks(mail.text)}</pre>
            </li>
          ))}
        </ul>
      )}
    </main>
  );
}
