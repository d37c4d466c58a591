// The field registry (GET /api/v1/schema): fetched once per page load and
// kept, since forms, views and lists of cases are all drawn from it.
import { api, type Values } from './api';
import { COUNTRY_CODES, LANGUAGE_CODES } from './countries';
import type { I18n } from './i18n';

export interface Label {
  en: string;
  ar: string;
}

export interface FieldChoice {
  value: string;
  label: Label;
}

export type FieldType =
  | 'text'
  | 'longtext'
  | 'date'
  | 'number'
  | 'boolean'
  | 'choice'
  | 'multichoice'
  | 'country'
  | 'countries'
  | 'language'
  | 'languages'
  | 'isic';

export interface FieldDef {
  key: string;
  htcds?: string;
  type: FieldType;
  required: boolean;
  protection: 'identifying' | 'sensitive' | 'statistical' | 'workflow' | string;
  stat?: boolean;
  /** Computed by the server (the CTDC age band): shown, never edited. */
  derived?: boolean;
  search?: string;
  section: string;
  label: Label;
  help?: Label;
  choices?: FieldChoice[];
  min?: number;
  max?: number;
}

export interface SectionDef {
  key: string;
  label: Label;
}

export interface EntityDef {
  name: string;
  label: Label;
  sections: SectionDef[];
  fields: FieldDef[];
}

export interface IsicSection {
  code: string;
  htcds?: string;
  label: Label;
}

export interface Schema {
  entities: EntityDef[];
  isic_sections: IsicSection[];
}

let cached: Promise<Schema> | null = null;

/** The registry, fetched on first use; a failed fetch is retried next time. */
export function loadSchema(): Promise<Schema> {
  if (!cached) {
    cached = api.schema().then(
      (s) => normalise(s),
      (err) => {
        cached = null;
        throw err;
      },
    );
  }
  return cached;
}

function normalise(raw: unknown): Schema {
  const s = (raw && typeof raw === 'object' ? raw : {}) as Partial<Schema>;
  const entities = Array.isArray(s.entities) ? s.entities : [];
  for (const e of entities) {
    if (!Array.isArray(e.fields)) e.fields = [];
    // A registry without sections still draws: one section per name used.
    if (!Array.isArray(e.sections) || e.sections.length === 0) {
      const seen: string[] = [];
      for (const f of e.fields) if (!seen.includes(f.section)) seen.push(f.section);
      e.sections = seen.map((k) => ({ key: k, label: { en: k, ar: k } }));
    }
  }
  return { entities, isic_sections: Array.isArray(s.isic_sections) ? s.isic_sections : [] };
}

export function entity(schema: Schema, name: string): EntityDef | undefined {
  return schema.entities.find((e) => e.name === name);
}

export function field(schema: Schema, ent: string, key: string): FieldDef | undefined {
  return entity(schema, ent)?.fields.find((f) => f.key === key);
}

/** A registry label in the current language (the other one if missing). */
export function lbl(i: I18n, l: Label | undefined | null): string {
  if (!l) return '';
  return (i.locale === 'ar' ? l.ar || l.en : l.en || l.ar) ?? '';
}

export function isProtected(f: FieldDef): boolean {
  return f.protection === 'identifying' || f.protection === 'sensitive';
}

export function choiceLabel(i: I18n, f: FieldDef | undefined, value: string): string {
  const c = f?.choices?.find((x) => x.value === value);
  return c ? lbl(i, c.label) : value;
}

export interface Option {
  value: string;
  label: string;
}

const collators = new Map<string, Intl.Collator>();
function collator(locale: string): Intl.Collator {
  let c = collators.get(locale);
  if (!c) {
    c = new Intl.Collator(locale);
    collators.set(locale, c);
  }
  return c;
}

const optionCache = new Map<string, Option[]>();

function sortedNames(i: I18n, kind: 'region' | 'language', codes: readonly string[]): Option[] {
  const k = kind + ':' + i.locale;
  const hit = optionCache.get(k);
  if (hit) return hit;
  let dn: Intl.DisplayNames | null = null;
  try {
    dn = new Intl.DisplayNames([i.locale], { type: kind, fallback: 'code' });
  } catch {
    dn = null;
  }
  const out = codes.map((c) => {
    let name = c;
    try {
      name = dn?.of(c) ?? c;
    } catch {
      name = c;
    }
    return { value: c, label: name };
  });
  const coll = collator(i.locale);
  out.sort((a, b) => coll.compare(a.label, b.label));
  optionCache.set(k, out);
  return out;
}

/** ISO 3166-1 countries, named in the current language, sorted by name. */
export const countryOptions = (i: I18n) => sortedNames(i, 'region', COUNTRY_CODES);
/** ISO 639-1 languages, named in the current language, sorted by name. */
export const languageOptions = (i: I18n) => sortedNames(i, 'language', LANGUAGE_CODES);

export function languageName(i: I18n, code: string): string {
  return sortedNames(i, 'language', LANGUAGE_CODES).find((o) => o.value === code)?.label ?? code;
}

export function isicOptions(i: I18n, schema: Schema): Option[] {
  return schema.isic_sections.map((s) => ({ value: s.code, label: s.code + ' · ' + lbl(i, s.label) }));
}

/** The options of a choice-like field (choice, multichoice, country, language, isic). */
export function optionsFor(i: I18n, schema: Schema, f: FieldDef): Option[] {
  switch (f.type) {
    case 'country':
    case 'countries':
      return countryOptions(i);
    case 'language':
    case 'languages':
      return languageOptions(i);
    case 'isic':
      return isicOptions(i, schema);
    default:
      return (f.choices ?? []).map((c) => ({ value: c.value, label: lbl(i, c.label) }));
  }
}

const dateOnly = new Map<string, Intl.DateTimeFormat>();

/** A YYYY-MM-DD date in words of the current language (the date itself, no time zone shift). */
export function formatDay(i: I18n, ymd: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(ymd);
  if (!m) return ymd;
  let df = dateOnly.get(i.locale);
  if (!df) {
    df = new Intl.DateTimeFormat(i.locale, { dateStyle: 'medium', timeZone: 'UTC' });
    dateOnly.set(i.locale, df);
  }
  return df.format(new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))));
}

/** Today as YYYY-MM-DD in the local calendar. */
export function today(): string {
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

/** One value for reading: choices, countries, languages and ISIC sections by name. */
export function formatValue(i: I18n, schema: Schema, f: FieldDef, v: unknown): string {
  if (v === null || v === undefined || v === '') return '—';
  const one = (x: unknown): string => {
    const s = String(x);
    switch (f.type) {
      case 'choice':
      case 'multichoice':
        return choiceLabel(i, f, s);
      case 'country':
      case 'countries':
        return i.country(s);
      case 'language':
      case 'languages':
        return languageName(i, s);
      case 'isic': {
        const sec = schema.isic_sections.find((x) => x.code === s);
        return sec ? lbl(i, sec.label) : s;
      }
      case 'date':
        return formatDay(i, s);
      case 'number':
        return typeof x === 'number' ? i.num(x) : s;
      case 'boolean':
        return x === true ? i.t('common.yes') : x === false ? i.t('common.no') : s;
      default:
        return s;
    }
  };
  if (Array.isArray(v)) return v.length ? v.map(one).join(i.t('common.list_sep')) : '—';
  return one(v);
}

/** True when an entity's values hold anything worth showing or sending. */
export function hasValues(v: Values | undefined | null): boolean {
  if (!v) return false;
  return Object.values(v).some((x) => !(x === null || x === undefined || x === '' || (Array.isArray(x) && x.length === 0)));
}
