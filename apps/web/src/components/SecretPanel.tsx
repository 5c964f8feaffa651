import { useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';

/**
 * A secret shown once (a new API key, a webhook signing secret), with a copy button; focus moves to its
 * title so a screen reader reads it out. The secret is rendered only while this panel is: Done drops it.
 */
export function SecretPanel({
  title,
  shownOnce,
  secret,
  testId,
  onDone,
}: {
  title: string;
  /** Says it is shown this once (and what the secret is for). */
  shownOnce: string;
  secret: string;
  testId: string;
  onDone(): void;
}) {
  const { t } = useTranslation();
  const titleId = useId();
  const titleRef = useRef<HTMLHeadingElement>(null);
  const [copied, setCopied] = useState(false);
  useEffect(() => titleRef.current?.focus(), []);
  return (
    <section className="card" aria-labelledby={titleId}>
      <h2 id={titleId} ref={titleRef} tabIndex={-1}>
        {title}
      </h2>
      <p>{shownOnce}</p>
      <div className="row">
        <code data-testid={testId} className="secret">
          {secret}
        </code>
        <button
          type="button"
          className="button"
          onClick={() => {
            void navigator.clipboard?.writeText(secret).then(
              () => setCopied(true),
              () => setCopied(false),
            );
          }}
        >
          {t('secret.copy')}
        </button>
        <span aria-live="polite" className="muted">
          {copied ? t('secret.copied') : ''}
        </span>
      </div>
      <button type="button" className="button primary" onClick={onDone}>
        {t('secret.done')}
      </button>
    </section>
  );
}
