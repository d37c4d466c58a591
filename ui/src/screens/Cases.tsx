// Cases: the list (filters, "load more"), the search (a name in either
// script, a reference, a document number), and the sub-screens under
// #/cases/...: new, <ref>, <ref>/edit.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type Case, type CaseFilters, type CaseSummary, type Me } from '../api';
import { ErrorBox, Notice, Select } from '../components';
import { useI18n } from '../i18n';
import { choiceLabel, field, loadSchema, type Schema } from '../schema';
import { CaseForm } from './CaseForm';
import { CaseView } from './CaseView';

/** The part of the address after #/cases/ ("" for the list). */
function readSub(): string[] {
  const h = location.hash.replace(/^#\/?/, '').split('?')[0];
  const parts = h.split('/').filter(Boolean).map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  });
  return parts[0] === 'cases' ? parts.slice(1) : [];
}

function useSub(): string[] {
  const [s, setS] = useState<string[]>(readSub);
  useEffect(() => {
    const on = () => setS(readSub());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return s;
}

export function goCases(sub = ''): void {
  const h = '#/cases' + (sub ? '/' + sub : '');
  if (location.hash !== h) location.hash = h;
}

/** A message to show on the next screen (after erasing, for example). */
/** A label key and its values, translated when shown (the language may change meanwhile). */
export type Msg = [string, Record<string, string | number>?];
let flash: Msg | null = null;
export function setFlash(m: Msg | null): void {
  flash = m;
}
export function takeFlash(): Msg | null {
  const f = flash;
  flash = null;
  return f;
}

// What the list showed, so that coming back from a case finds it again.
// Kept in memory only: names searched for never go into the address or history.
const memo: { q: string; active: string; filters: CaseFilters } = { q: '', active: '', filters: {} };

/** Forgets the last search and any pending message (signing out: the next person must not see them). */
export function forgetCases(): void {
  memo.q = '';
  memo.active = '';
  memo.filters = {};
  flash = null;
}

export const caseHref = (ref: string, sub = '') => '#/cases/' + encodeURIComponent(ref) + (sub ? '/' + sub : '');

export function StatusBadge({ schema, status }: { schema: Schema; status: string }) {
  const i = useI18n();
  const closed = /^Closed/.test(status) || status === 'Erased';
  const label = status === 'Erased' ? i.t('cases.erased') : choiceLabel(i, field(schema, 'case', 'status'), status);
  return (
    <span class={'badge ' + (closed ? 'badge-off' : 'badge-on')} data-testid="case-status" data-status={status}>
      {label}
    </span>
  );
}

/**
 * The summary's name: "original (Latin)" is drawn as two isolated lines so
 * that an Arabic name and its Latin spelling each read in their own direction.
 */
function CaseName({ name }: { name?: string }) {
  if (!name) return <span class="muted">—</span>;
  const m = /^(.*\S)\s*\(([^()]*)\)$/.exec(name);
  if (!m) return <bdi>{name}</bdi>;
  return (
    <>
      <div class="case-name">
        <bdi>{m[1]}</bdi>
      </div>
      {m[2] !== m[1] && (
        <div class="case-name-latin muted">
          <bdi>{m[2]}</bdi>
        </div>
      )}
    </>
  );
}

function CaseList({ schema, canWrite }: { schema: Schema; canWrite: boolean }) {
  const i = useI18n();
  const [q, setQ] = useState(memo.q);
  const [active, setActive] = useState(memo.active);
  const [filters, setFilters] = useState<CaseFilters>(memo.filters);
  const [items, setItems] = useState<CaseSummary[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [notice] = useState<Msg | null>(takeFlash);

  // Only the answer to the latest request is shown (a slow one may arrive last).
  const seq = useRef(0);
  const load = async (query: string, f: CaseFilters, more: boolean) => {
    const mine = ++seq.current;
    setBusy(true);
    setError(null);
    memo.active = query;
    memo.filters = f;
    try {
      const page = query ? await api.searchCases(query) : await api.listCases(f, more ? cursor : null);
      if (mine !== seq.current) return;
      setItems((prev) => (more && prev ? [...prev, ...page.items] : page.items));
      setCursor(page.next_cursor);
    } catch (err) {
      if (mine !== seq.current) return;
      setError(err);
      if (!more) setItems(null);
    } finally {
      if (mine === seq.current) setBusy(false);
    }
  };

  useEffect(() => {
    void load(active, filters, false);
  }, []);

  const search = (e: Event) => {
    e.preventDefault();
    const query = q.trim();
    memo.q = query;
    setActive(query);
    setItems(null);
    void load(query, filters, false);
  };

  const clear = () => {
    setQ('');
    memo.q = '';
    setActive('');
    setItems(null);
    void load('', filters, false);
  };

  const setFilter = (patch: CaseFilters) => {
    const f = { ...filters, ...patch };
    setFilters(f);
    setItems(null);
    void load('', f, false);
  };

  const statusField = field(schema, 'case', 'status');
  const exploitField = field(schema, 'victim', 'exploitation_types');
  const all = { value: '', label: i.t('cases.filter_all') };

  return (
    <section aria-labelledby="cases-title">
      <div class="section-head">
        <h1 id="cases-title">{i.t('cases.title')}</h1>
        {canWrite && (
          <a class="btn btn-primary" href="#/cases/new" data-testid="case-new">
            {i.t('cases.new')}
          </a>
        )}
      </div>
      {notice && <Notice>{i.t(notice[0], notice[1])}</Notice>}
      <form class="search-bar" role="search" onSubmit={search} data-testid="case-search-form">
        <label for="case-q" class="sr-only">
          {i.t('cases.search_label')}
        </label>
        <input
          id="case-q"
          type="search"
          name="q"
          dir="auto"
          value={q}
          maxLength={256}
          autocomplete="off"
          placeholder={i.t('cases.search_placeholder')}
          onInput={(e) => setQ((e.currentTarget as HTMLInputElement).value)}
        />
        <button type="submit" class="btn btn-primary" data-testid="case-search" disabled={busy}>
          {i.t('cases.search')}
        </button>
        {active && (
          <button type="button" class="btn" data-testid="case-search-clear" onClick={clear}>
            {i.t('cases.search_clear')}
          </button>
        )}
      </form>
      <p class="hint">{i.t('cases.search_hint')}</p>
      {!active && (
        <div class="case-filters" data-testid="case-filters">
          <Select
            label={i.t('cases.filter_status')}
            name="filter_status"
            value={filters.status ?? ''}
            onChange={(v) => setFilter({ status: v || undefined })}
            options={[all, ...(statusField?.choices ?? []).map((c) => ({ value: c.value, label: choiceLabel(i, statusField, c.value) }))]}
          />
          {exploitField && (
            <Select
              label={i.t('cases.filter_exploitation')}
              name="filter_exploitation"
              value={filters.exploitation ?? ''}
              onChange={(v) => setFilter({ exploitation: v || undefined })}
              options={[all, ...(exploitField.choices ?? []).map((c) => ({ value: c.value, label: choiceLabel(i, exploitField, c.value) }))]}
            />
          )}
          <div class="field field-check">
            <label class="check">
              <input type="checkbox" name="filter_assigned" checked={filters.assigned === 'me'} onChange={(e) => setFilter({ assigned: (e.currentTarget as HTMLInputElement).checked ? 'me' : undefined })} />
              <span>{i.t('cases.filter_mine')}</span>
            </label>
          </div>
        </div>
      )}
      {active && (
        <p class="muted" data-testid="case-search-summary" data-q={active} data-count={items ? items.length : undefined}>
          {items ? i.t('cases.results', { n: items.length, q: active }) : i.t('common.loading')}
        </p>
      )}
      <ErrorBox error={error} />
      {items === null && !error && <p class="muted">{i.t('common.loading')}</p>}
      {items && items.length === 0 && <p class="muted" data-testid="cases-empty">{active ? i.t('cases.no_results') : i.t('cases.empty')}</p>}
      {items && items.length > 0 && (
        <div class="table-wrap" tabIndex={0} role="region" aria-labelledby="cases-title">
          <table class="table" data-testid="cases-table">
            <thead>
              <tr>
                <th scope="col">{i.t('cases.ref')}</th>
                <th scope="col">{i.t('cases.name')}</th>
                <th scope="col" class="col-opt">
                  {i.t('cases.status')}
                </th>
                <th scope="col" class="col-opt">
                  {i.t('cases.created')}
                </th>
                <th scope="col" class="col-opt">
                  {i.t('common.updated')}
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((c) => (
                <tr key={c.ref} data-testid="case-row" data-ref={c.ref}>
                  <td>
                    <a class="nowrap" href={caseHref(c.ref)} data-testid="case-open">
                      <bdi dir="ltr">{c.ref}</bdi>
                    </a>
                    <div class="only-narrow muted small">{i.date(c.updated_at)}</div>
                  </td>
                  <td>
                    <CaseName name={c.name} />
                    <div class="only-narrow">
                      <StatusBadge schema={schema} status={c.status} />
                    </div>
                  </td>
                  <td class="col-opt">
                    <StatusBadge schema={schema} status={c.status} />
                  </td>
                  <td class="nowrap col-opt">{i.date(c.created_at)}</td>
                  <td class="nowrap col-opt">{i.date(c.updated_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {cursor && !active && (
        <div class="actions">
          <button type="button" class="btn" data-testid="cases-more" disabled={busy} onClick={() => load('', filters, true)}>
            {busy ? i.t('common.loading') : i.t('common.load_more')}
          </button>
        </div>
      )}
    </section>
  );
}

/** Loads a case, then shows the form to edit it. */
function CaseEdit({ schema, ref_ }: { schema: Schema; ref_: string }) {
  const i = useI18n();
  const [c, setC] = useState<Case | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    api.getCase(ref_).then(setC, setError);
  }, [ref_]);
  if (error) return <ErrorBox error={error} />;
  if (!c) return <p class="muted">{i.t('common.loading')}</p>;
  return <CaseForm schema={schema} initial={c} onDone={(nc) => { setFlash(['cases.saved', { ref: nc.ref }]); goCases(encodeURIComponent(nc.ref)); }} onCancel={() => goCases(encodeURIComponent(c.ref))} />;
}

export function CasesRoute({ me }: { me: Me }) {
  const i = useI18n();
  const sub = useSub();
  const [schema, setSchema] = useState<Schema | null>(null);
  const [error, setError] = useState<unknown>(null);
  const canWrite = me.permissions.includes('case.write');
  const canErase = me.permissions.includes('case.erase');

  const fetchSchema = () => {
    setError(null);
    loadSchema().then(setSchema, setError);
  };
  useEffect(fetchSchema, []);

  if (error)
    return (
      <>
        <ErrorBox error={error} />
        <button type="button" class="btn" data-testid="retry" onClick={fetchSchema}>
          {i.t('common.retry')}
        </button>
      </>
    );
  if (!schema) return <p class="muted">{i.t('common.loading')}</p>;

  if (sub.length === 0) return <CaseList schema={schema} canWrite={canWrite} />;
  if (sub[0] === 'new') {
    if (!canWrite) return <p class="alert alert-error">{i.t('error.forbidden')}</p>;
    return (
      <CaseForm
        schema={schema}
        initial={null}
        onDone={(c) => {
          setFlash(['cases.created_ok', { ref: c.ref }]);
          goCases(encodeURIComponent(c.ref));
        }}
        onCancel={() => goCases()}
      />
    );
  }
  if (sub[1] === 'edit') {
    if (!canWrite) return <p class="alert alert-error">{i.t('error.forbidden')}</p>;
    return <CaseEdit key={sub[0]} schema={schema} ref_={sub[0]} />;
  }
  return <CaseView key={sub[0]} schema={schema} ref_={sub[0]} canWrite={canWrite} canErase={canErase} me={me} />;
}
