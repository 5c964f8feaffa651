import { errorReason } from '@roster/react';
import i18next, { type TFunction } from 'i18next';
import LanguageDetector from 'i18next-browser-languagedetector';
import { initReactI18next } from 'react-i18next';
import { de } from './de';
import { en, type Messages } from './en';

export const LANGUAGES = ['en', 'de'] as const;
export type Language = (typeof LANGUAGES)[number];

declare module 'i18next' {
  interface CustomTypeOptions {
    defaultNS: 'translation';
    resources: { translation: Messages };
  }
}

/**
 * Follows the browser's language (navigator.languages) until the user picks one, which is then kept
 * in localStorage (`roster.language`). German and English are complete; anything else falls back to English.
 */
export const i18n = i18next.createInstance();
// Screen readers and the browser's own features (hyphenation, translation) read <html lang>.
i18n.on('languageChanged', () => syncHtmlLang());
void i18n
  .use(LanguageDetector)
  .use(initReactI18next)
  .init({
    resources: { en: { translation: en }, de: { translation: de } },
    supportedLngs: LANGUAGES,
    nonExplicitSupportedLngs: true,
    load: 'languageOnly',
    fallbackLng: 'en',
    interpolation: { escapeValue: false }, // React escapes.
    detection: {
      order: ['localStorage', 'navigator', 'htmlTag'],
      lookupLocalStorage: 'roster.language',
      caches: ['localStorage'],
    },
    returnNull: false,
  });

/** The current language as one of ours ('de-AT' -> 'de'). */
export function currentLanguage(): Language {
  const language = (i18n.resolvedLanguage ?? i18n.language ?? 'en').slice(0, 2);
  return (LANGUAGES as readonly string[]).includes(language) ? (language as Language) : 'en';
}

function syncHtmlLang(): void {
  if (typeof document !== 'undefined') document.documentElement.lang = currentLanguage();
}

/**
 * A failed call as a translated sentence: the server's reason picks the message (never the raw error
 * text); no reason at all means the server was not reached.
 */
export function errorMessage(t: TFunction, error: unknown): string {
  const reason = errorReason(error);
  if (reason) return t(`errors.${reason}`, { defaultValue: t('errors.UNKNOWN') });
  if (error instanceof TypeError || (error instanceof Error && /fetch|network/i.test(error.message))) {
    return t('errors.NETWORK');
  }
  return t('errors.UNKNOWN');
}
