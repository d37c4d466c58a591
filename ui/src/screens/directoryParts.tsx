// The service directory's pieces that other screens may reuse (referrals):
// the types and calls of /api/v1/services, the labels of services and of
// field errors, the one-step free-places update, and the entry form. The
// screen itself is Directory.tsx.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, request } from '../api';
import { ErrorBox, Field } from '../components';
import { useI18n, type I18n } from '../i18n';
import { languageName, languageOptions } from '../schema';
import '../directory.css';

// ---------------------------------------------------------------- API

export interface DirectoryServiceType {
  code: string;
  htcds: boolean;
  label: { en: string; ar: string };
}

export interface DirectoryCapacity {
  total: number;
  free: number;
}

export interface DirectoryEntry {
  org_id: string;
  org_name: { en: string; ar: string };
  org_type: string;
  services: string[];
  regions: string[];
  languages: string[];
  accepts: string[];
  capacity: DirectoryCapacity | null;
  accepting: boolean;
  note: string;
  updated_at: number;
}

export interface DirectoryFilters {
  service?: string;
  region?: string;
  language?: string;
  accepts?: string;
  free?: boolean;
  accepting?: boolean;
}

/** The body of PUT /services/{org_id}. Numbers the person typed badly stay strings: the server names the field. */
export interface DirectoryInput {
  services: string[];
  regions: string[];
  languages: string[];
  accepts: string[];
  capacity: { total: number | string | null; free: number | string | null } | null;
  accepting: boolean;
  note: string;
}

/** The groups an organisation may accept (src/domain/directory/directory.c). */
export const DIRECTORY_ACCEPTS = ['women', 'men', 'children', 'families'] as const;
/** The service that places belong to. */
export const DIRECTORY_SHELTER = 'Accommodation';

const enc = encodeURIComponent;

export const directoryApi = {
  search: (f: DirectoryFilters) => {
    const sp = new URLSearchParams();
    for (const k of ['service', 'region', 'language', 'accepts'] as const) if (f[k]) sp.set(k, f[k] as string);
    if (f.free) sp.set('free', '1');
    if (f.accepting) sp.set('accepting', '1');
    const s = sp.toString();
    return request<{ items: DirectoryEntry[]; service_types: DirectoryServiceType[] }>('GET', '/api/v1/services' + (s ? '?' + s : ''));
  },
  get: (orgId: string) => request<DirectoryEntry>('GET', '/api/v1/services/' + enc(orgId)),
  put: (orgId: string, body: DirectoryInput) => request<DirectoryEntry>('PUT', '/api/v1/services/' + enc(orgId), body),
  setFree: (orgId: string, free: number | string) =>
    request<DirectoryEntry>('PATCH', '/api/v1/services/' + enc(orgId) + '/capacity', { free }),
};

// ---------------------------------------------------------------- helpers

/** A service's label in the current language (its code when unknown). */
export function serviceLabel(i: I18n, types: DirectoryServiceType[], code: string): string {
  const s = types.find((x) => x.code === code);
  if (!s) return code;
  return (i.locale === 'ar' ? s.label.ar || s.label.en : s.label.en || s.label.ar) || code;
}

export const entryName = (i: I18n, e: Pick<DirectoryEntry, 'org_name'>) => i.orgName({ name_ar: e.org_name.ar, name_en: e.org_name.en });

/** Arabic-Indic and Persian digits as ASCII ones, so "١٢" typed on an Arabic keyboard counts. */
function asciiDigits(s: string): string {
  return s.replace(/[\u0660-\u0669\u06f0-\u06f9]/g, (d) => String((d.charCodeAt(0) & 0xf) % 10));
}

/** A whole number as typed, or the text itself (the server then answers wrong_type for the field), or null when empty. */
function typedInt(s: string): number | string | null {
  const t = asciiDigits(s.trim());
  if (t === '') return null;
  return /^\d{1,9}$/.test(t) ? Number(t) : t;
}

/** The first field error for a field or any of its items ("regions" also finds "regions[2]"). */
export function fieldErr(error: unknown, base: string): { field: string; code: string; index: number | null } | null {
  if (!(error instanceof ApiError)) return null;
  for (const [f, code] of Object.entries(error.fields)) {
    if (f === base) return { field: f, code, index: null };
    const m = /^(.*)\[(\d+)\]$/.exec(f);
    if (m && m[1] === base) return { field: f, code, index: Number(m[2]) };
  }
  return null;
}

/** The words for a field error: a directory-specific label when there is one, else the general one. */
function errText(i: I18n, base: string, code: string): string {
  const own = 'directory.err_' + base.replace(/\./g, '_') + '_' + code;
  if (i.has(own)) return i.t(own);
  if (i.has('field.' + code)) return i.t('field.' + code);
  return i.has('error.' + code) ? i.t('error.' + code) : code;
}

function useFieldId(prefix: string): string {
  const [id] = useState(() => prefix + Math.random().toString(36).slice(2, 9));
  return id;
}

// ---------------------------------------------------------------- free places

/** The one-step update of free places (shelter staff do it daily). */
export function FreePlaces({ entry, onSaved }: { entry: DirectoryEntry; onSaved: (e: DirectoryEntry) => void }) {
  const i = useI18n();
  const id = useFieldId('dfree');
  const cap = entry.capacity as DirectoryCapacity;
  const [value, setValue] = useState(String(cap.free));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => setValue(String(cap.free)), [cap.free, cap.total]);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    const typed = typedInt(value);
    try {
      onSaved(await directoryApi.setFree(entry.org_id, typed === null ? '' : typed));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const fe = fieldErr(error, 'free');
  const other = error && !fe ? error : null;
  return (
    <form class="dir-free" onSubmit={submit} data-testid="dir-free-form" data-org={entry.org_id}>
      <div class={'field' + (fe ? ' has-error' : '')} data-field="free">
        <label for={id}>{i.t('directory.free_label')}</label>
        <div class="dir-free-row">
          <input
            id={id}
            type="text"
            name="free"
            inputMode="numeric"
            autocomplete="off"
            maxLength={9}
            value={value}
            aria-invalid={fe ? 'true' : undefined}
            aria-describedby={fe ? id + '-e' : undefined}
            onInput={(ev) => setValue((ev.currentTarget as HTMLInputElement).value)}
          />
          <span class="dir-free-of">{i.t('directory.free_of', { total: cap.total })}</span>
          <button type="submit" class="btn btn-primary" data-testid="dir-free-save" disabled={busy}>
            {busy ? i.t('common.working') : i.t('directory.free_save')}
          </button>
        </div>
        {fe && (
          <small id={id + '-e'} class="field-error">
            {errText(i, 'free', fe.code)}
          </small>
        )}
      </div>
      <ErrorBox error={other} />
    </form>
  );
}

// ---------------------------------------------------------------- the entry form

type Draft = {
  services: string[];
  regions: string[];
  languages: string[];
  accepts: string[];
  accepting: boolean;
  total: string;
  free: string;
  note: string;
};

function draftOf(e: DirectoryEntry | null): Draft {
  if (!e) return { services: [], regions: [], languages: [], accepts: [], accepting: true, total: '', free: '', note: '' };
  return {
    services: [...e.services],
    regions: [...e.regions],
    languages: [...e.languages],
    accepts: [...e.accepts],
    accepting: e.accepting,
    total: e.capacity ? String(e.capacity.total) : '',
    free: e.capacity ? String(e.capacity.free) : '',
    note: e.note,
  };
}

const toggled = (list: string[], v: string, on: boolean) => (on ? (list.includes(v) ? list : [...list, v]) : list.filter((x) => x !== v));

export function EntryForm(props: {
  orgId: string;
  orgName: string;
  initial: DirectoryEntry | null;
  types: DirectoryServiceType[];
  onSaved: (e: DirectoryEntry) => void;
  onCancel: () => void;
}) {
  const i = useI18n();
  const [d, setD] = useState<Draft>(() => draftOf(props.initial));
  const [regionText, setRegionText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const ref = useRef<HTMLFormElement>(null);
  const regionId = useFieldId('dreg');
  const langId = useFieldId('dlang');
  const noteId = useFieldId('dnote');
  const set = (patch: Partial<Draft>) => setD((old) => ({ ...old, ...patch }));

  useEffect(() => {
    ref.current?.scrollIntoView?.({ block: 'start' });
  }, []);

  const shelter = d.services.includes(DIRECTORY_SHELTER);
  const langs = languageOptions(i);

  const addRegion = () => {
    const r = regionText.trim().replace(/\s+/g, ' ');
    if (!r) return;
    const key = r.toLocaleLowerCase();
    if (!d.regions.some((x) => x.toLocaleLowerCase() === key)) set({ regions: [...d.regions, r] });
    setRegionText('');
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    // A region typed but not yet added still counts.
    const pending = regionText.trim().replace(/\s+/g, ' ');
    const regions = pending && !d.regions.some((x) => x.toLocaleLowerCase() === pending.toLocaleLowerCase()) ? [...d.regions, pending] : d.regions;
    if (regions !== d.regions) {
      set({ regions });
      setRegionText('');
    }
    const total = typedInt(d.total);
    const free = typedInt(d.free);
    const body: DirectoryInput = {
      services: d.services,
      regions,
      languages: d.languages,
      accepts: d.accepts,
      // Places only with the shelter service; both empty means "not given".
      capacity: shelter && (total !== null || free !== null) ? { total, free } : null,
      accepting: d.accepting,
      note: d.note,
    };
    try {
      props.onSaved(await directoryApi.put(props.orgId, body));
    } catch (err) {
      setError(err);
      if (err instanceof ApiError && Object.keys(err.fields).length > 0) {
        // bring the first marked field into view (a phone shows little at once)
        requestAnimationFrame(() => ref.current?.querySelector('.has-error')?.scrollIntoView?.({ block: 'center' }));
      }
    } finally {
      setBusy(false);
    }
  };

  const err = (base: string) => {
    const f = fieldErr(error, base);
    if (!f) return null;
    const text = errText(i, base, f.code);
    return { ...f, text };
  };
  const eServices = err('services');
  const eCapacity = err('capacity');
  const eTotal = err('capacity.total');
  const eFree = err('capacity.free');
  const eRegions = err('regions');
  const eLanguages = err('languages');
  const eAccepts = err('accepts');
  const eAccepting = err('accepting');
  const eNote = err('note');
  const marked = [eServices, eCapacity, eTotal, eFree, eRegions, eLanguages, eAccepts, eAccepting, eNote].some(Boolean);
  const itemText = (e: { text: string; index: number | null } | null, list: string[], name: (v: string) => string) =>
    e && e.index !== null && list[e.index] !== undefined ? i.t('directory.item_error', { error: e.text, item: name(list[e.index]) }) : e?.text;
  const langName = (c: string) => languageName(i, c);
  const svcName = (c: string) => serviceLabel(i, props.types, c);

  return (
    <form ref={ref} class="card form dir-form" onSubmit={submit} data-testid="dir-form" data-org={props.orgId} noValidate>
      <h2>{i.t(props.initial ? 'directory.form_title_edit' : 'directory.form_title_new', { name: props.orgName })}</h2>

      <fieldset class={'field' + (eServices ? ' has-error' : '')} data-field="services">
        <legend>{i.t('directory.services')}</legend>
        <p class="hint">{i.t('directory.services_hint')}</p>
        <div class="checks">
          {props.types.map((s) => (
            <label key={s.code} class="check">
              <input
                type="checkbox"
                name="services"
                value={s.code}
                checked={d.services.includes(s.code)}
                onChange={(e) => set({ services: toggled(d.services, s.code, (e.currentTarget as HTMLInputElement).checked) })}
              />
              <span>{svcName(s.code)}</span>
            </label>
          ))}
        </div>
        {eServices && <small class="field-error">{itemText(eServices, d.services, svcName)}</small>}
      </fieldset>

      {(shelter || eCapacity) && (
        <fieldset class={'field dir-capacity' + (eCapacity ? ' has-error' : '')} data-field="capacity" data-testid="dir-capacity">
          <legend>{i.t('directory.places')}</legend>
          <p class="hint">{i.t('directory.capacity_hint')}</p>
          <div class="grid2">
            <div data-field="capacity.total">
              <Field
                label={i.t('directory.capacity_total')}
                name="capacity_total"
                value={d.total}
                onInput={(v) => set({ total: v })}
                inputMode="numeric"
                maxLength={9}
                error={eTotal?.text}
              />
            </div>
            <div data-field="capacity.free">
              <Field
                label={i.t('directory.capacity_free')}
                name="capacity_free"
                value={d.free}
                onInput={(v) => set({ free: v })}
                inputMode="numeric"
                maxLength={9}
                error={eFree?.text}
              />
            </div>
          </div>
          {eCapacity && <small class="field-error">{eCapacity.text}</small>}
        </fieldset>
      )}

      <div class={'field' + (eRegions ? ' has-error' : '')} data-field="regions">
        <label for={regionId}>{i.t('directory.regions')}</label>
        {d.regions.length > 0 && (
          <ul class="chips" data-testid="dir-form-regions">
            {d.regions.map((r, k) => (
              <li key={r} class={'chip' + (eRegions && eRegions.index === k ? ' dir-chip-bad' : '')}>
                <bdi>{r}</bdi>
                <button
                  type="button"
                  class="chip-x"
                  data-testid="dir-region-remove"
                  data-value={r}
                  aria-label={i.t('directory.remove', { item: r })}
                  onClick={() => set({ regions: d.regions.filter((x) => x !== r) })}
                >
                  ×
                </button>
              </li>
            ))}
          </ul>
        )}
        <div class="dir-add-row">
          <input
            id={regionId}
            type="text"
            name="region"
            dir="auto"
            maxLength={100}
            autocomplete="off"
            value={regionText}
            placeholder={i.t('directory.region_new')}
            aria-invalid={eRegions ? 'true' : undefined}
            onInput={(e) => setRegionText((e.currentTarget as HTMLInputElement).value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') {
                e.preventDefault();
                addRegion();
              }
            }}
          />
          <button type="button" class="btn" data-testid="dir-region-add" onClick={addRegion}>
            {i.t('directory.region_add')}
          </button>
        </div>
        {eRegions ? <small class="field-error">{itemText(eRegions, d.regions, (r) => r)}</small> : <small class="hint">{i.t('directory.regions_hint')}</small>}
      </div>

      <div class={'field' + (eLanguages ? ' has-error' : '')} data-field="languages">
        <label for={langId}>{i.t('directory.languages')}</label>
        {d.languages.length > 0 && (
          <ul class="chips" data-testid="dir-form-languages">
            {d.languages.map((c, k) => (
              <li key={c} class={'chip' + (eLanguages && eLanguages.index === k ? ' dir-chip-bad' : '')}>
                <span>{langName(c)}</span>
                <button
                  type="button"
                  class="chip-x"
                  data-testid="dir-language-remove"
                  data-value={c}
                  aria-label={i.t('directory.remove', { item: langName(c) })}
                  onClick={() => set({ languages: d.languages.filter((x) => x !== c) })}
                >
                  ×
                </button>
              </li>
            ))}
          </ul>
        )}
        <select
          id={langId}
          name="language"
          value=""
          aria-invalid={eLanguages ? 'true' : undefined}
          onChange={(e) => {
            const el = e.currentTarget as HTMLSelectElement;
            const v = el.value;
            el.value = '';
            if (v && !d.languages.includes(v)) set({ languages: [...d.languages, v] });
          }}
        >
          <option value="">{i.t('directory.language_add')}</option>
          {langs
            .filter((o) => !d.languages.includes(o.value))
            .map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
        </select>
        {eLanguages && <small class="field-error">{itemText(eLanguages, d.languages, langName)}</small>}
      </div>

      <fieldset class={'field' + (eAccepts ? ' has-error' : '')} data-field="accepts">
        <legend>{i.t('directory.accepts')}</legend>
        <div class="checks">
          {DIRECTORY_ACCEPTS.map((a) => (
            <label key={a} class="check">
              <input
                type="checkbox"
                name="accepts"
                value={a}
                checked={d.accepts.includes(a)}
                onChange={(e) => set({ accepts: toggled(d.accepts, a, (e.currentTarget as HTMLInputElement).checked) })}
              />
              <span>{i.t('directory.accepts_' + a)}</span>
            </label>
          ))}
        </div>
        {eAccepts && <small class="field-error">{itemText(eAccepts, d.accepts, (a) => i.t('directory.accepts_' + a))}</small>}
      </fieldset>

      <div class={'field' + (eAccepting ? ' has-error' : '')} data-field="accepting">
        <label class="check">
          <input type="checkbox" name="accepting" checked={d.accepting} onChange={(e) => set({ accepting: (e.currentTarget as HTMLInputElement).checked })} />
          <span>{i.t('directory.accepting_label')}</span>
        </label>
        {eAccepting && <small class="field-error">{eAccepting.text}</small>}
      </div>

      <div class={'field' + (eNote ? ' has-error' : '')} data-field="note">
        <label for={noteId}>{i.t('directory.note')}</label>
        <textarea
          id={noteId}
          name="note"
          dir="auto"
          rows={3}
          maxLength={500}
          value={d.note}
          aria-invalid={eNote ? 'true' : undefined}
          aria-describedby={noteId + '-d'}
          onInput={(e) => set({ note: (e.currentTarget as HTMLTextAreaElement).value })}
        />
        <small id={noteId + '-d'} class={eNote ? 'field-error' : 'hint'}>
          {eNote ? eNote.text : i.t('directory.note_hint')}
        </small>
      </div>

      {error && !marked && <ErrorBox error={error} />}
      {marked && (
        <p class="alert alert-error" role="alert" data-testid="error">
          {i.t('error.invalid')}
        </p>
      )}
      <div class="actions">
        <button type="submit" class="btn btn-primary" data-testid="dir-save" disabled={busy}>
          {busy ? i.t('common.working') : i.t('common.save')}
        </button>
        <button type="button" class="btn" data-testid="dir-cancel" onClick={props.onCancel}>
          {i.t('common.cancel')}
        </button>
      </div>
    </form>
  );
}
