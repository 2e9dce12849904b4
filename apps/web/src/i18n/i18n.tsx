import { createContext, use, useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import { en, type Messages } from './en.messages';
import { ru } from './ru.messages';

export type Language = 'en' | 'ru';

const dictionaries: Record<Language, Messages> = { en, ru };

/** Each language is offered under its own name, as switchers conventionally do. */
export const LANGUAGE_NAMES: Record<Language, string> = { en: 'English', ru: 'Русский' };

export const LANGUAGES = Object.keys(dictionaries) as Language[];

const STORAGE_KEY = 'lectern.language';

function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && value in dictionaries;
}

function storedLanguage(): Language | null {
  try {
    const value = localStorage.getItem(STORAGE_KEY);
    return isLanguage(value) ? value : null;
  } catch {
    return null;
  }
}

/** The remembered choice, else the browser's preferred languages, else English. */
export function detectLanguage(): Language {
  const stored = storedLanguage();
  if (stored) return stored;
  const preferred = navigator.languages.length > 0 ? navigator.languages : [navigator.language];
  for (const tag of preferred) {
    const base = tag.toLowerCase().split('-')[0];
    if (isLanguage(base)) return base;
  }
  return 'en';
}

interface I18n {
  language: Language;
  t: Messages;
  setLanguage: (language: Language) => void;
  formatDate: (iso: string) => string;
  formatDateTime: (iso: string) => string;
}

const I18nContext = createContext<I18n | null>(null);

export function I18nProvider({ children }: { children: ReactNode }) {
  const [language, setLanguageState] = useState<Language>(detectLanguage);

  const setLanguage = useCallback((next: Language) => {
    setLanguageState(next);
    try {
      localStorage.setItem(STORAGE_KEY, next);
    } catch {
      // Not remembered across visits, but applied now.
    }
  }, []);

  useEffect(() => {
    document.documentElement.lang = language;
  }, [language]);

  const value = useMemo<I18n>(() => {
    const date = new Intl.DateTimeFormat(language, { dateStyle: 'medium' });
    const dateTime = new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'short' });
    const format = (formatter: Intl.DateTimeFormat, iso: string): string => {
      const parsed = new Date(iso);
      return Number.isNaN(parsed.getTime()) ? iso : formatter.format(parsed);
    };
    return {
      language,
      t: dictionaries[language],
      setLanguage,
      formatDate: (iso) => format(date, iso),
      formatDateTime: (iso) => format(dateTime, iso),
    };
  }, [language, setLanguage]);

  return <I18nContext value={value}>{children}</I18nContext>;
}

export function useI18n(): I18n {
  const context = use(I18nContext);
  if (context === null) throw new Error('useI18n must be used inside <I18nProvider>');
  return context;
}

export function useT(): Messages {
  return useI18n().t;
}
