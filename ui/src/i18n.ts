// Labels (ui/i18n/*.json), the chosen language, and Intl formatting.
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import en from '../i18n/en.json';
import ar from '../i18n/ar.json';
import type { ApiError, Locale, Org } from './api';

type Dict = Record<string, string>;
const DICTS: Record<Locale, Dict> = { en, ar };

export const LOCALES: Locale[] = ['ar', 'en'];
const STORE_KEY = 'ihala.locale';

export function isLocale(x: unknown): x is Locale {
  return x === 'ar' || x === 'en';
}

export function storedLocale(): Locale | null {
  try {
    const v = localStorage.getItem(STORE_KEY);
    return isLocale(v) ? v : null;
  } catch {
    return null;
  }
}

export function initialLocale(): Locale {
  const s = storedLocale();
  if (s) return s;
  const nav = (navigator.languages && navigator.languages[0]) || navigator.language || 'en';
  return nav.toLowerCase().startsWith('ar') ? 'ar' : 'en';
}

/** Records the choice and sets lang/dir on <html>. */
export function applyLocale(l: Locale): void {
  try {
    localStorage.setItem(STORE_KEY, l);
  } catch {
    /* ignore */
  }
  const root = document.documentElement;
  root.lang = l;
  root.dir = l === 'ar' ? 'rtl' : 'ltr';
  document.title = DICTS[l]['app.title'] ?? 'ihala';
}

export interface I18n {
  locale: Locale;
  t: (key: string, vars?: Record<string, string | number>) => string;
  has: (key: string) => boolean;
  date: (unixSeconds: number | null | undefined) => string;
  num: (n: number) => string;
  country: (code: string) => string;
  orgName: (o: Pick<Org, 'name_ar' | 'name_en'> | null | undefined) => string;
  error: (e: unknown) => string;
  fieldError: (e: unknown, field: string) => string | null;
}

const dnCache = new Map<Locale, Intl.DisplayNames | null>();
function displayNames(l: Locale): Intl.DisplayNames | null {
  if (!dnCache.has(l)) {
    let dn: Intl.DisplayNames | null = null;
    try {
      dn = new Intl.DisplayNames([l], { type: 'region', fallback: 'code' });
    } catch {
      dn = null;
    }
    dnCache.set(l, dn);
  }
  return dnCache.get(l) ?? null;
}

function isApiError(e: unknown): e is ApiError {
  return !!e && typeof e === 'object' && 'code' in e && 'status' in e;
}

export function makeI18n(locale: Locale): I18n {
  const dict = DICTS[locale];
  const has = (key: string) => key in dict || key in DICTS.en;
  const t = (key: string, vars?: Record<string, string | number>) => {
    let s = dict[key] ?? DICTS.en[key] ?? key;
    if (vars) {
      for (const [k, v] of Object.entries(vars)) {
        s = s.split('{' + k + '}').join(typeof v === 'number' ? nf.format(v) : v);
      }
    }
    return s;
  };
  const nf = new Intl.NumberFormat(locale);
  const df = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'medium' });
  const i18n: I18n = {
    locale,
    t,
    has,
    date: (s) => (typeof s === 'number' && Number.isFinite(s) ? df.format(new Date(s * 1000)) : '—'),
    num: (n) => nf.format(n),
    country: (code) => {
      if (!code) return '—';
      try {
        return displayNames(locale)?.of(code.toUpperCase()) ?? code;
      } catch {
        return code;
      }
    },
    orgName: (o) => {
      if (!o) return '—';
      const first = locale === 'ar' ? o.name_ar : o.name_en;
      return first || o.name_en || o.name_ar || '—';
    },
    error: (e) => {
      if (isApiError(e)) {
        const key = 'error.' + e.code;
        if (has(key)) {
          if (e.code === 'throttled' && e.retryAfter) return t('error.throttled_wait', { seconds: e.retryAfter });
          return t(key);
        }
        return e.message || t('error.unknown');
      }
      return t('error.unknown');
    },
    fieldError: (e, field) => {
      if (!isApiError(e)) return null;
      const code = e.fields[field];
      if (!code) return null;
      const key = 'field.' + code;
      if (has(key)) return t(key);
      return has('error.' + code) ? t('error.' + code) : code;
    },
  };
  return i18n;
}

export const I18nContext = createContext<I18n>(makeI18n('en'));
export const useI18n = () => useContext(I18nContext);
