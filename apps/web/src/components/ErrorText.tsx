import { useTranslation } from 'react-i18next';
import { errorMessage } from '../i18n';

/** A failed call's reason as a translated sentence, announced to screen readers. Nothing when no error. */
export function ErrorText({ error }: { error: unknown }) {
  const { t } = useTranslation();
  if (!error) return null;
  return (
    <p className="error" role="alert">
      {errorMessage(t, error)}
    </p>
  );
}
