// The service directory (#/directory): who offers which service, where, in
// which languages, to whom, with how many free places, and whether they take
// referrals now. Everyone with org.read searches it; whoever holds
// directory.write keeps their own organisation's entry (the administrator
// and the coordinator any organisation's), and shelter staff update their
// free places in one step. The server decides who may change what: the UI
// only hides buttons that would be refused (a refused change answers 404).
//
// Self-contained: the directory's types, calls, labels and form are in
// directoryParts.tsx, which other screens (referrals) may import.
import { Fragment } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { allPages, api, ApiError, type Me, type Org } from '../api';
import { ErrorBox, Notice, Select } from '../components';
import { useI18n } from '../i18n';
import { languageName, languageOptions } from '../schema';
import {
  DIRECTORY_ACCEPTS,
  directoryApi,
  EntryForm,
  entryName,
  fieldErr,
  FreePlaces,
  serviceLabel,
  type DirectoryEntry,
  type DirectoryFilters,
  type DirectoryServiceType,
} from './directoryParts';

// ---------------------------------------------------------------- one entry

function EntryCard(props: {
  entry: DirectoryEntry;
  types: DirectoryServiceType[];
  editable: boolean;
  /** Show the free-places box (not on one's own card: the panel above has it). */
  quickFree: boolean;
  onEdit: () => void;
  onFreeSaved: (e: DirectoryEntry) => void;
}) {
  const i = useI18n();
  const e = props.entry;
  const other = i.locale === 'ar' ? e.org_name.en : e.org_name.ar;
  const dash = <span class="muted">—</span>;
  const sep = i.t('common.list_sep');
  return (
    <article class="card dir-entry" data-testid="dir-entry" data-org={e.org_id} aria-labelledby={'dir-h-' + e.org_id}>
      <header class="dir-entry-head">
        <div class="dir-entry-names">
          <h2 id={'dir-h-' + e.org_id} class="dir-name" data-testid="dir-name">
            {entryName(i, e)}
          </h2>
          <div class="muted small">
            {other && other !== entryName(i, e) && (
              <>
                <bdi lang={i.locale === 'ar' ? 'en' : 'ar'} dir={i.locale === 'ar' ? 'ltr' : 'rtl'}>
                  {other}
                </bdi>
                {' · '}
              </>
            )}
            {i.has('orgType.' + e.org_type) ? i.t('orgType.' + e.org_type) : e.org_type}
          </div>
        </div>
        <div class="dir-badges">
          <span class={'badge ' + (e.accepting ? 'badge-on' : 'badge-off')} data-testid="dir-accepting" data-accepting={String(e.accepting)}>
            {i.t(e.accepting ? 'directory.accepting_yes' : 'directory.accepting_no')}
          </span>
          {e.capacity && (
            <span
              class={'badge ' + (e.capacity.free > 0 ? 'badge-on' : 'badge-warn')}
              data-testid="dir-places"
              data-free={e.capacity.free}
              data-total={e.capacity.total}
            >
              {i.t('directory.places_value', { free: e.capacity.free, total: e.capacity.total })}
            </span>
          )}
        </div>
      </header>
      <dl class="values dir-values">
        <div class="value-row dir-wide">
          <dt>{i.t('directory.services')}</dt>
          <dd>
            <ul class="chips dir-chips" data-testid="dir-services">
              {e.services.map((s) => (
                <li key={s} class="chip" data-code={s}>
                  {serviceLabel(i, props.types, s)}
                </li>
              ))}
            </ul>
          </dd>
        </div>
        <div class="value-row">
          <dt>{i.t('directory.regions')}</dt>
          <dd data-testid="dir-regions">
            {e.regions.length
              ? e.regions.map((r, k) => (
                  <Fragment key={r}>
                    {k > 0 && sep}
                    <bdi>{r}</bdi>
                  </Fragment>
                ))
              : dash}
          </dd>
        </div>
        <div class="value-row">
          <dt>{i.t('directory.languages')}</dt>
          <dd data-testid="dir-languages">{e.languages.length ? e.languages.map((c) => languageName(i, c)).join(sep) : dash}</dd>
        </div>
        <div class="value-row">
          <dt>{i.t('directory.accepts')}</dt>
          <dd data-testid="dir-accepts">{e.accepts.length ? e.accepts.map((a) => (i.has('directory.accepts_' + a) ? i.t('directory.accepts_' + a) : a)).join(sep) : dash}</dd>
        </div>
      </dl>
      {e.note && (
        <p class="prewrap dir-note" dir="auto" data-testid="dir-note">
          {e.note}
        </p>
      )}
      <p class="muted small dir-updated">{i.t('directory.updated', { date: i.date(e.updated_at) })}</p>
      {props.editable && (
        <div class="dir-entry-actions">
          {e.capacity && props.quickFree && <FreePlaces entry={e} onSaved={props.onFreeSaved} />}
          <button type="button" class="btn" data-testid="dir-edit" onClick={props.onEdit}>
            {i.t('directory.edit')}
          </button>
        </div>
      )}
    </article>
  );
}

// ---------------------------------------------------------------- the screen

type Editing = { orgId: string; orgName: string; initial: DirectoryEntry | null };

/** The administrator's or the coordinator's way to any organisation's entry, with or without one. */
function OrgPicker({ onOpen }: { onOpen: (o: Org) => void }) {
  const i = useI18n();
  const [orgs, setOrgs] = useState<Org[] | null>(null);
  const [pick, setPick] = useState('');
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    allPages((c) => api.orgs(c)).then(setOrgs, setError);
  }, []);
  const coll = useMemo(() => new Intl.Collator(i.locale), [i.locale]);
  if (error) return <ErrorBox error={error} />;
  if (!orgs) return null;
  const opts = orgs.map((o) => ({ value: o.id, label: i.orgName(o) })).sort((a, b) => coll.compare(a.label, b.label));
  return (
    <form
      class="dir-picker"
      data-testid="dir-picker"
      onSubmit={(e) => {
        e.preventDefault();
        const o = orgs.find((x) => x.id === pick);
        if (o) onOpen(o);
      }}
    >
      <Select label={i.t('directory.pick_org')} name="pick_org" value={pick} onChange={setPick} options={[{ value: '', label: '—' }, ...opts]} />
      <button type="submit" class="btn" data-testid="dir-pick-open" disabled={!pick}>
        {i.t('directory.pick_open')}
      </button>
    </form>
  );
}

export function Directory({ me }: { me: Me }) {
  const i = useI18n();
  const canWrite = me.permissions.includes('directory.write');
  // directory.write reaches every organisation for these roles, the caller's own for the others (src/auth/perm.c).
  const writeAll = canWrite && me.roles.some((r) => r === 'admin' || r === 'coordinator');
  const ownId = me.org?.id ?? '';
  const editable = (orgId: string) => canWrite && (writeAll || orgId === ownId);

  const [filters, setFilters] = useState<DirectoryFilters>({});
  const [region, setRegion] = useState('');
  const [text, setText] = useState('');
  const [items, setItems] = useState<DirectoryEntry[] | null>(null);
  const [types, setTypes] = useState<DirectoryServiceType[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [own, setOwn] = useState<DirectoryEntry | null | undefined>(undefined);
  const [editing, setEditing] = useState<Editing | null>(null);
  const [opening, setOpening] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [knownRegions, setKnownRegions] = useState<string[]>([]);

  const seq = useRef(0);
  const load = async (f: DirectoryFilters) => {
    const mine = ++seq.current;
    setBusy(true);
    setError(null);
    try {
      const r = await directoryApi.search(f);
      if (mine !== seq.current) return;
      setItems(r.items);
      setTypes(r.service_types);
      setKnownRegions((old) => {
        const seen = new Set(old.map((x) => x.toLocaleLowerCase()));
        const add = r.items.flatMap((e) => e.regions).filter((x) => !seen.has(x.toLocaleLowerCase()) && (seen.add(x.toLocaleLowerCase()), true));
        return add.length ? [...old, ...add] : old;
      });
    } catch (err) {
      if (mine !== seq.current) return;
      setError(err);
      setItems(null);
    } finally {
      if (mine === seq.current) setBusy(false);
    }
  };

  const loadOwn = async () => {
    if (!canWrite || !ownId) return;
    try {
      setOwn(await directoryApi.get(ownId));
    } catch (err) {
      setOwn(err instanceof ApiError && err.status === 404 ? null : undefined);
    }
  };

  useEffect(() => {
    void load(filters);
    void loadOwn();
  }, []);

  const setFilter = (patch: DirectoryFilters) => {
    const f = { ...filters, ...patch };
    setFilters(f);
    void load(f);
  };

  const applySearch = (e: Event) => {
    e.preventDefault();
    const r = region.trim();
    if ((filters.region ?? '') !== r) setFilter({ region: r || undefined });
  };

  const clearAll = () => {
    setText('');
    setRegion('');
    setFilters({});
    void load({});
  };

  // Replace one entry where it is shown, after a change.
  const adopt = (e: DirectoryEntry) => {
    setItems((old) => (old ? old.map((x) => (x.org_id === e.org_id ? e : x)) : old));
    if (e.org_id === ownId) setOwn(e);
  };

  const onSaved = (e: DirectoryEntry) => {
    setEditing(null);
    setNotice(i.t('directory.saved', { name: entryName(i, e) }));
    if (e.org_id === ownId) setOwn(e);
    void load(filters);
  };

  const onFreeSaved = (e: DirectoryEntry) => {
    adopt(e);
    if (e.capacity) setNotice(i.t('directory.free_saved', { name: entryName(i, e), free: e.capacity.free, total: e.capacity.total }));
    // The filters may no longer match (no free places left): ask again.
    if (filters.free) void load(filters);
  };

  const edit = (e: DirectoryEntry) => {
    setNotice(null);
    setEditing({ orgId: e.org_id, orgName: entryName(i, e), initial: e });
  };

  const openOrg = async (o: Org) => {
    setNotice(null);
    setOpening(null);
    try {
      const e = await directoryApi.get(o.id);
      setEditing({ orgId: o.id, orgName: i.orgName(o), initial: e });
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) setEditing({ orgId: o.id, orgName: i.orgName(o), initial: null });
      else setOpening(err);
    }
  };

  // Client-side narrowing by words: names in both scripts, regions, services, note.
  const coll = useMemo(() => new Intl.Collator(i.locale), [i.locale]);
  const shown = useMemo(() => {
    if (!items) return null;
    const words = text.trim().toLocaleLowerCase().split(/\s+/).filter(Boolean);
    const hay = (e: DirectoryEntry) =>
      [e.org_name.en, e.org_name.ar, ...e.regions, ...e.services.flatMap((s) => [s, serviceLabel(i, types, s)]), e.note].join('\n').toLocaleLowerCase();
    const list = words.length ? items.filter((e) => words.every((w) => hay(e).includes(w))) : [...items];
    return list.sort((a, b) => coll.compare(entryName(i, a), entryName(i, b)));
  }, [items, text, types, i.locale]);

  const all = { value: '', label: i.t('directory.filter_all') };
  const serviceOpts = types.map((s) => ({ value: s.code, label: serviceLabel(i, types, s.code) })).sort((a, b) => coll.compare(a.label, b.label));
  const acceptOpts = DIRECTORY_ACCEPTS.map((a) => ({ value: a, label: i.t('directory.accepts_' + a) }));
  const filtered = !!(filters.service || filters.region || filters.language || filters.accepts || filters.free || filters.accepting || text.trim());

  const ownName = i.orgName(me.org);
  const ownPanel = canWrite && ownId && !editing && own !== undefined && (
    <section class="card dir-own" data-testid="dir-own" aria-labelledby="dir-own-title">
      <h2 id="dir-own-title">{i.t('directory.own_title', { name: ownName })}</h2>
      {own === null ? (
        <>
          <p>{i.t('directory.own_missing')}</p>
          <button
            type="button"
            class="btn btn-primary"
            data-testid="dir-own-create"
            disabled={types.length === 0}
            onClick={() => {
              setNotice(null);
              setEditing({ orgId: ownId, orgName: ownName, initial: null });
            }}
          >
            {i.t('directory.own_create')}
          </button>
        </>
      ) : (
        <>
          <p class="dir-own-summary">
            <span class={'badge ' + (own.accepting ? 'badge-on' : 'badge-off')}>{i.t(own.accepting ? 'directory.accepting_yes' : 'directory.accepting_no')}</span>
            {own.services.map((s) => serviceLabel(i, types, s)).join(i.t('common.list_sep'))}
          </p>
          <div class="dir-entry-actions">
            {own.capacity && <FreePlaces entry={own} onSaved={onFreeSaved} />}
            <button type="button" class="btn" data-testid="dir-own-edit" disabled={types.length === 0} onClick={() => edit(own)}>
              {i.t('directory.edit')}
            </button>
          </div>
        </>
      )}
      {writeAll && (
        <>
          <h3 class="dir-sub">{i.t('directory.other_title')}</h3>
          <OrgPicker onOpen={openOrg} />
          <ErrorBox error={opening} />
        </>
      )}
    </section>
  );

  return (
    <section aria-labelledby="dir-title" data-testid="directory">
      <div class="section-head">
        <h1 id="dir-title">{i.t('directory.title')}</h1>
      </div>
      <p class="lead">{i.t('directory.intro')}</p>
      {notice && <Notice>{notice}</Notice>}
      {editing && (
        <EntryForm
          key={editing.orgId}
          orgId={editing.orgId}
          orgName={editing.orgName}
          initial={editing.initial}
          types={types}
          onSaved={onSaved}
          onCancel={() => setEditing(null)}
        />
      )}
      {ownPanel}

      <form class="search-bar" role="search" onSubmit={applySearch} data-testid="dir-search-form">
        <label for="dir-q" class="sr-only">
          {i.t('directory.search_label')}
        </label>
        <input
          id="dir-q"
          type="search"
          name="q"
          dir="auto"
          maxLength={200}
          autocomplete="off"
          value={text}
          placeholder={i.t('directory.search_placeholder')}
          onInput={(e) => setText((e.currentTarget as HTMLInputElement).value)}
        />
        <button type="submit" class="btn btn-primary" data-testid="dir-search" disabled={busy}>
          {i.t('directory.search')}
        </button>
        {filtered && (
          <button type="button" class="btn" data-testid="dir-clear" onClick={clearAll}>
            {i.t('directory.clear')}
          </button>
        )}
      </form>
      <div class="case-filters dir-filters" data-testid="dir-filters">
        <Select label={i.t('directory.filter_service')} name="filter_service" value={filters.service ?? ''} onChange={(v) => setFilter({ service: v || undefined })} options={[all, ...serviceOpts]} />
        <div class="field">
          <label for="dir-region">{i.t('directory.filter_region')}</label>
          <input
            id="dir-region"
            type="text"
            name="filter_region"
            dir="auto"
            list="dir-regions"
            maxLength={100}
            autocomplete="off"
            value={region}
            aria-invalid={fieldErr(error, 'region') ? 'true' : undefined}
            onInput={(e) => setRegion((e.currentTarget as HTMLInputElement).value)}
            onChange={(e) => {
              const r = (e.currentTarget as HTMLInputElement).value.trim();
              if ((filters.region ?? '') !== r) setFilter({ region: r || undefined });
            }}
          />
          <datalist id="dir-regions">
            {knownRegions.map((r) => (
              <option key={r} value={r} />
            ))}
          </datalist>
        </div>
        <Select
          label={i.t('directory.filter_language')}
          name="filter_language"
          value={filters.language ?? ''}
          onChange={(v) => setFilter({ language: v || undefined })}
          options={[all, ...languageOptions(i)]}
        />
        <Select label={i.t('directory.filter_accepts')} name="filter_accepts" value={filters.accepts ?? ''} onChange={(v) => setFilter({ accepts: v || undefined })} options={[all, ...acceptOpts]} />
        <div class="field field-check">
          <label class="check">
            <input type="checkbox" name="filter_free" checked={!!filters.free} onChange={(e) => setFilter({ free: (e.currentTarget as HTMLInputElement).checked || undefined })} />
            <span>{i.t('directory.filter_free')}</span>
          </label>
        </div>
        <div class="field field-check">
          <label class="check">
            <input
              type="checkbox"
              name="filter_accepting"
              checked={!!filters.accepting}
              onChange={(e) => setFilter({ accepting: (e.currentTarget as HTMLInputElement).checked || undefined })}
            />
            <span>{i.t('directory.filter_accepting')}</span>
          </label>
        </div>
      </div>

      <ErrorBox error={error} />
      {shown === null && !error && <p class="muted">{i.t('common.loading')}</p>}
      {shown && (
        <p class="muted" data-testid="dir-count" data-count={shown.length} data-busy={String(busy)} aria-live="polite">
          {busy ? i.t('common.loading') : i.t('directory.count', { n: shown.length })}
        </p>
      )}
      {shown && shown.length === 0 && (
        <p class="muted" data-testid="dir-empty">
          {filtered ? i.t('directory.no_results') : i.t('directory.empty')}
        </p>
      )}
      {shown && shown.length > 0 && (
        <div class="dir-list" data-testid="dir-list">
          {shown.map((e) => (
            <EntryCard key={e.org_id} entry={e} types={types} editable={editable(e.org_id)}
              quickFree={e.org_id !== ownId || own === undefined}
              onEdit={() => edit(e)} onFreeSaved={onFreeSaved} />
          ))}
        </div>
      )}
    </section>
  );
}
