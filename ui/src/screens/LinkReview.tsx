// The review queue of likely duplicates (#/link): the pairs in the caller's
// reach (open ones, or those decided "same person" or "different persons"),
// and one pair (#/link/<id>) with the two records side by side, the fields
// that agree marked, and the decision. A merge can be undone from the pair
// or from the list of merged pairs. The contract is in linkApi.ts and
// docs/linkage.md; who sees what is the server's business (a coordinator
// gets no values, only which fields agree).
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api, type Me, type Org, type Values } from '../api';
import { ConfirmButton, Notice } from '../components';
import type { I18n } from '../i18n';
import { useI18n } from '../i18n';
import { LINK_FIELDS, PAIR_CLASSES, PAIR_STATUSES, levelKind, linkApi, type LinkField, type Pair, type PairCase, type PairStatus } from '../linkApi';
import { field, formatValue, lbl, loadSchema, type Schema } from '../schema';
import { caseHref } from './Cases';
import '../link.css';

const can = (me: Me, p: string) => me.permissions.includes(p);

export const linkHref = (id?: string, params?: Record<string, string | undefined>) => {
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(params ?? {})) if (v) sp.set(k, v);
  const s = sp.toString();
  return '#/link' + (id ? '/' + encodeURIComponent(id) : '') + (s ? '?' + s : '');
};

interface Where {
  id: string;
  params: URLSearchParams;
}

function readWhere(): Where {
  const h = location.hash.replace(/^#\/?/, '');
  const q = h.indexOf('?');
  const parts = (q < 0 ? h : h.slice(0, q)).split('/').filter(Boolean);
  let id = '';
  if (parts[0] === 'link' && parts[1]) {
    try {
      id = decodeURIComponent(parts[1]);
    } catch {
      id = parts[1];
    }
  }
  return { id, params: new URLSearchParams(q < 0 ? '' : h.slice(q + 1)) };
}

function useWhere(): Where {
  const [w, setW] = useState<Where>(readWhere);
  useEffect(() => {
    const on = () => setW(readWhere());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return w;
}

/** A word under link.<group>.<value>, or the value itself. */
function word(i: I18n, group: string, value: string | null | undefined): string {
  if (!value) return '—';
  const k = 'link.' + group + '.' + value;
  return i.has(k) ? i.t(k) : value;
}

/** The words for an API error, the queue's own first (already_decided, merge_not_last, ...). */
function errText(i: I18n, e: unknown): string {
  if (e instanceof ApiError && i.has('link.err.' + e.code)) return i.t('link.err.' + e.code);
  return i.error(e);
}

function LinkError({ error }: { error: unknown }) {
  const i = useI18n();
  if (!error) return null;
  return (
    <p class="alert alert-error" role="alert" data-testid="error" data-code={error instanceof ApiError ? error.code : undefined}>
      {errText(i, error)}
    </p>
  );
}

/** Organisation names by id, from the directory the caller may read (its own at least). */
function useOrgs(me: Me): Map<string, Org> {
  const [orgs, setOrgs] = useState<Map<string, Org>>(() => new Map(me.org ? [[me.org.id, me.org]] : []));
  useEffect(() => {
    if (!can(me, 'org.read')) return;
    let live = true;
    api.orgs().then(
      (page) => {
        if (!live) return;
        const m = new Map<string, Org>(me.org ? [[me.org.id, me.org]] : []);
        for (const o of page.items) m.set(o.id, o);
        setOrgs(m);
      },
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [me.id]);
  return orgs;
}

function orgLabel(i: I18n, orgs: Map<string, Org>, id: string): string {
  const o = orgs.get(id);
  return o ? i.orgName(o) : id.slice(0, 8);
}

export function LinkRoute({ me }: { me: Me }) {
  const w = useWhere();
  const orgs = useOrgs(me);
  if (w.id) return <PairView key={w.id} id={w.id} me={me} orgs={orgs} />;
  return <PairList me={me} params={w.params} orgs={orgs} />;
}

function ClassBadge({ cls }: { cls: string }) {
  const i = useI18n();
  return (
    <span class={'badge ' + (cls === 'likely' ? 'link-badge-likely' : 'badge-warn')} data-testid="pair-class" data-class={cls}>
      {word(i, 'class', cls)}
    </span>
  );
}

function StatusBadge({ status }: { status: string }) {
  const i = useI18n();
  const cls = status === 'same' ? 'badge-on' : status === 'different' ? 'badge-off' : 'badge-warn';
  return (
    <span class={'badge ' + cls} data-testid="pair-status" data-status={status}>
      {word(i, 'status', status)}
    </span>
  );
}

function Score({ score }: { score: number }) {
  const i = useI18n();
  const text = new Intl.NumberFormat(i.locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(score);
  return (
    <span class="link-score" title={i.t('link.score_hint')} data-testid="pair-score">
      {i.t('link.score')} <bdi dir="ltr">{text}</bdi>
    </span>
  );
}

/** A case reference: a link to the case when the caller reads cases. */
function CaseRef({ me, c }: { me: Me; c: PairCase }) {
  return can(me, 'case.read') ? (
    <a href={caseHref(c.ref)} class="link-ref" data-testid="pair-case-link" data-ref={c.ref}>
      <bdi dir="ltr">{c.ref}</bdi>
    </a>
  ) : (
    <bdi dir="ltr" class="link-ref" data-testid="pair-case-ref" data-ref={c.ref}>
      {c.ref}
    </bdi>
  );
}

/** The levels of the compared fields as small marks. */
function Levels({ pair }: { pair: Pair }) {
  const i = useI18n();
  return (
    <ul class="link-levels" aria-label={i.t('link.agreement')}>
      {LINK_FIELDS.map((f) => {
        const level = pair.comparison[f] ?? 'missing';
        const kind = levelKind(level);
        if (kind === 'missing') return null;
        return (
          <li key={f} class={'link-level lvl-' + kind} data-field={f} data-level={level}>
            <span class="lvl-dot" aria-hidden="true" />
            {word(i, 'field', f)}: {word(i, 'level', level)}
          </li>
        );
      })}
    </ul>
  );
}

function Tabs({ status, cls }: { status: PairStatus; cls: string }) {
  const i = useI18n();
  return (
    <nav class="link-tabs" aria-label={i.t('link.tabs')}>
      {PAIR_STATUSES.map((s) => (
        <a
          key={s}
          class="link-tab"
          href={linkHref(undefined, { status: s === 'open' ? undefined : s, class: cls || undefined })}
          aria-current={status === s ? 'page' : undefined}
          data-testid={'link-tab-' + s}
        >
          {i.t('link.tab.' + s)}
        </a>
      ))}
    </nav>
  );
}

function PairList({ me, params, orgs }: { me: Me; params: URLSearchParams; orgs: Map<string, Org> }) {
  const i = useI18n();
  const asked = params.get('status');
  const status: PairStatus = (PAIR_STATUSES as readonly string[]).includes(asked ?? '') ? (asked as PairStatus) : 'open';
  const cls = (PAIR_CLASSES as readonly string[]).includes(params.get('class') ?? '') ? (params.get('class') as string) : '';
  const [items, setItems] = useState<Pair[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const seq = useRef(0);

  const load = (more: boolean) => {
    const mine = ++seq.current;
    setBusy(true);
    setError(null);
    linkApi
      .pairs({ status, class: cls || undefined }, more ? cursor : null)
      .then(
        (page) => {
          if (mine !== seq.current) return;
          setItems((old) => [...(more && old ? old : []), ...page.items]);
          setCursor(page.next_cursor);
        },
        (e) => {
          if (mine !== seq.current) return;
          setError(e);
          setItems((x) => x ?? []);
        },
      )
      .finally(() => mine === seq.current && setBusy(false));
  };
  useEffect(() => {
    setNotice(null);
    load(false);
  }, [status, cls]);

  const undo = async (p: Pair) => {
    if (!p.merge_id) return;
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      await linkApi.undo(p.merge_id);
      setItems((old) => (old ?? []).filter((x) => x.id !== p.id));
      setNotice('link.undone');
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const goClass = (v: string) => {
    location.hash = linkHref(undefined, { status: status === 'open' ? undefined : status, class: v || undefined }).slice(1);
  };

  return (
    <section aria-labelledby="link-title" data-testid="link-queue" data-status={status}>
      <div class="section-head">
        <h1 id="link-title">{i.t('link.title')}</h1>
        <button type="button" class="btn btn-small" data-testid="link-refresh" disabled={busy} onClick={() => load(false)}>
          {i.t('common.refresh')}
        </button>
      </div>
      <p class="muted small">{i.t(can(me, 'case.read') ? 'link.intro' : 'link.intro_no_values')}</p>
      <Tabs status={status} cls={cls} />
      <div class="link-filters">
        <div class="field">
          <label for="link-class">{i.t('link.filter_class')}</label>
          <select id="link-class" name="class" value={cls} onChange={(e) => goClass((e.currentTarget as HTMLSelectElement).value)}>
            <option value="">{i.t('link.any_class')}</option>
            {PAIR_CLASSES.map((c) => (
              <option key={c} value={c}>
                {word(i, 'class', c)}
              </option>
            ))}
          </select>
        </div>
      </div>
      {notice && <Notice>{i.t(notice)}</Notice>}
      <LinkError error={error} />
      {items === null && <p class="muted">{i.t('common.loading')}</p>}
      {items && items.length === 0 && !error && (
        <p class="muted" data-testid="link-empty">
          {i.t('link.none.' + status)}
        </p>
      )}
      {items && items.length > 0 && (
        <ul class="link-items">
          {items.map((p) => (
            <li
              key={p.id}
              class={'link-item link-item-' + p.class}
              data-testid="pair-item"
              data-id={p.id}
              data-refs={p.cases.map((c) => c.ref).sort().join(' ')}
              data-status={p.status}
              data-class={p.class}
            >
              <div class="link-item-head">
                <Score score={p.score} />
                <ClassBadge cls={p.class} />
                {p.status !== 'open' && <StatusBadge status={p.status} />}
              </div>
              <div class="link-item-cases">
                {p.cases.map((c, k) => (
                  <span key={c.ref} class="link-item-case">
                    <span class="link-side">{i.t(k === 0 ? 'link.record_a' : 'link.record_b')}</span> <CaseRef me={me} c={c} />
                    {c.org_id !== me.org?.id && <span class="muted small"> · {orgLabel(i, orgs, c.org_id)}</span>}
                  </span>
                ))}
              </div>
              <Levels pair={p} />
              <div class="link-item-foot">
                <span class="muted small">
                  {p.status === 'open' ? i.t('link.found_at', { date: i.date(p.found_at) }) : i.t('link.decided_at', { date: i.date(p.decided_at) })}
                </span>
                <span class="link-item-actions">
                  <a href={linkHref(p.id)} class="btn btn-small" data-testid="pair-open">
                    {p.status === 'open' ? i.t('link.compare') : i.t('link.view')}
                  </a>
                  {p.status === 'same' && p.merge_id && (
                    <ConfirmButton label={i.t('link.undo')} testid="pair-undo" busy={busy} onConfirm={() => void undo(p)} />
                  )}
                </span>
              </div>
            </li>
          ))}
        </ul>
      )}
      {cursor && (
        <div class="actions">
          <button type="button" class="btn" data-testid="link-more" disabled={busy} onClick={() => load(true)}>
            {busy ? i.t('common.loading') : i.t('common.load_more')}
          </button>
        </div>
      )}
    </section>
  );
}

/** The person fields drawn under each compared field (and the other names, compared with both names). */
const ROWS: { group: LinkField | 'other'; keys: string[] }[] = [
  { group: 'given', keys: ['given_name', 'given_name_latin'] },
  { group: 'family', keys: ['family_name', 'family_name_latin'] },
  { group: 'other', keys: ['middle_name', 'middle_name_latin', 'other_names', 'other_names_latin'] },
  { group: 'birth', keys: ['birth_date', 'estimated_age'] },
  { group: 'sex', keys: ['gender'] },
  { group: 'citizenship', keys: ['citizenship'] },
  { group: 'doc', keys: ['document_number'] },
];

const present = (v: unknown) => !(v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0));

function Compare({ pair, schema }: { pair: Pair; schema: Schema | null }) {
  const i = useI18n();
  const [a, b] = pair.cases;
  const values = a?.readable && b?.readable;
  const pa: Values = a?.person ?? {};
  const pb: Values = b?.person ?? {};
  const show = (k: string, v: unknown) => {
    const f = schema ? field(schema, 'person', k) : undefined;
    return f && schema ? formatValue(i, schema, f, v) : present(v) ? String(v) : '—';
  };
  const label = (k: string) => {
    const f = schema ? field(schema, 'person', k) : undefined;
    return f ? lbl(i, f.label) : k;
  };
  return (
    <div class="table-wrap" tabIndex={0} role="region" aria-labelledby="link-compare-title">
      <table class="table table-dense link-compare" data-testid="pair-compare">
        <thead>
          <tr>
            <th scope="col">{i.t('link.field_col')}</th>
            <th scope="col">
              {i.t('link.record_a')}
              <bdi dir="ltr" class="link-col-ref">
                {a?.ref}
              </bdi>
            </th>
            <th scope="col">
              {i.t('link.record_b')}
              <bdi dir="ltr" class="link-col-ref">
                {b?.ref}
              </bdi>
            </th>
          </tr>
        </thead>
        {ROWS.map((r) => {
          const level = r.group === 'other' ? undefined : pair.comparison[r.group] ?? 'missing';
          const kind = level ? levelKind(level) : 'none';
          const rows = values ? r.keys.filter((k) => present(pa[k]) || present(pb[k])) : [];
          if (r.group === 'other' && rows.length === 0) return null;
          return (
            <tbody key={r.group} class={'link-group lvl-' + kind} data-testid="compare-group" data-field={r.group} data-level={level ?? ''}>
              <tr class="link-group-head">
                <th scope="rowgroup" colSpan={3}>
                  <span class="lvl-dot" aria-hidden="true" />
                  {word(i, 'field', r.group)}
                  {level && (
                    <span class={'link-level-text lvl-' + kind} data-testid="compare-level">
                      {word(i, 'level', level)}
                    </span>
                  )}
                </th>
              </tr>
              {rows.map((k) => (
                <tr key={k} data-key={k}>
                  <th scope="row" class="link-field-name">
                    {label(k)}
                  </th>
                  <td data-side="a">
                    <bdi>{show(k, pa[k])}</bdi>
                  </td>
                  <td data-side="b">
                    <bdi>{show(k, pb[k])}</bdi>
                  </td>
                </tr>
              ))}
            </tbody>
          );
        })}
      </table>
    </div>
  );
}

function CaseFacts({ me, c, side, orgs, schema }: { me: Me; c: PairCase; side: string; orgs: Map<string, Org>; schema: Schema | null }) {
  const i = useI18n();
  const statusField = schema ? field(schema, 'case', 'status') : undefined;
  return (
    <div class="link-case" data-testid="pair-case" data-ref={c.ref}>
      <h2 class="link-case-title">
        {i.t(side)} <CaseRef me={me} c={c} />
      </h2>
      <dl class="link-facts">
        <div>
          <dt>{i.t('link.org')}</dt>
          <dd>{orgLabel(i, orgs, c.org_id)}</dd>
        </div>
        {c.status && (
          <div>
            <dt>{i.t('link.case_status')}</dt>
            <dd>{statusField && schema ? formatValue(i, schema, statusField, c.status) : c.status}</dd>
          </div>
        )}
        {c.created_at !== undefined && (
          <div>
            <dt>{i.t('link.recorded')}</dt>
            <dd>{i.date(c.created_at)}</dd>
          </div>
        )}
        {c.external_ref && (
          <div>
            <dt>{i.t('link.external_ref')}</dt>
            <dd>
              <bdi dir="ltr">{c.external_ref}</bdi>
            </dd>
          </div>
        )}
      </dl>
    </div>
  );
}

function PairView({ id, me, orgs }: { id: string; me: Me; orgs: Map<string, Org> }) {
  const i = useI18n();
  const [pair, setPair] = useState<Pair | null>(null);
  const [schema, setSchema] = useState<Schema | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);

  const load = () => {
    setError(null);
    linkApi.pair(id).then(setPair, setError);
  };
  useEffect(() => {
    load();
    loadSchema().then(setSchema, () => undefined);
  }, [id]);

  // An answer to a decision or an undo is the pair as listed: keep the values already shown.
  const adopt = (next: Pair) =>
    setPair((old) => ({
      ...next,
      cases: next.cases.map((c) => ({ ...(old?.cases.find((o) => o.ref === c.ref) ?? {}), ...c })),
    }));

  const decide = async (decision: 'same' | 'different') => {
    if (!pair) return;
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      adopt(await linkApi.decide(pair.id, decision, pair.version));
      setNotice(decision === 'same' ? 'link.decided_same' : 'link.decided_different');
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const undo = async () => {
    if (!pair?.merge_id) return;
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      adopt((await linkApi.undo(pair.merge_id)).pair);
      setNotice('link.undone');
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const back = linkHref(undefined, { status: pair && pair.status !== 'open' ? pair.status : undefined });
  const stale = error instanceof ApiError && (error.code === 'stale_version' || error.code === 'already_decided');
  return (
    <section aria-labelledby="pair-title" data-testid="pair-view" data-id={id} data-status={pair?.status} data-version={pair?.version}>
      <p class="link-back">
        <a href={back} data-testid="pair-back">
          {i.locale === 'ar' ? '→' : '←'} {i.t('link.back')}
        </a>
      </p>
      <h1 id="pair-title">{i.t('link.pair_title')}</h1>
      {!pair && !error && <p class="muted">{i.t('common.loading')}</p>}
      {notice && <Notice>{i.t(notice)}</Notice>}
      <LinkError error={error} />
      {stale && (
        <div class="actions">
          <button type="button" class="btn btn-small" data-testid="pair-reload" onClick={load}>
            {i.t('link.reload')}
          </button>
        </div>
      )}
      {pair && (
        <>
          <div class="link-item-head">
            <Score score={pair.score} />
            <ClassBadge cls={pair.class} />
            <StatusBadge status={pair.status} />
          </div>
          <div class="link-cases">
            {pair.cases.map((c, k) => (
              <CaseFacts key={c.ref} me={me} c={c} side={k === 0 ? 'link.record_a' : 'link.record_b'} orgs={orgs} schema={schema} />
            ))}
          </div>
          <h2 id="link-compare-title">{i.t('link.compare_title')}</h2>
          {!(pair.cases[0]?.readable && pair.cases[1]?.readable) && (
            <p class="alert alert-info" data-testid="pair-no-values">
              {i.t('link.no_values')}
            </p>
          )}
          <Compare pair={pair} schema={schema} />
          <p class="muted small">{i.t('link.legend')}</p>
          {pair.status === 'open' && (
            <div class="actions link-decide" data-testid="pair-decide">
              <ConfirmButton label={i.t('link.same')} testid="decide-same" busy={busy} onConfirm={() => void decide('same')} />
              <ConfirmButton label={i.t('link.different')} testid="decide-different" busy={busy} onConfirm={() => void decide('different')} />
            </div>
          )}
          {pair.status !== 'open' && (
            <p class="muted" data-testid="pair-decided">
              {i.t(pair.status === 'same' ? 'link.was_same' : 'link.was_different', { date: i.date(pair.decided_at) })}
            </p>
          )}
          {pair.status === 'same' && pair.merge_id && (
            <div class="actions">
              <ConfirmButton label={i.t('link.undo')} testid="pair-undo" busy={busy} onConfirm={() => void undo()} />
            </div>
          )}
          <p class="muted small">{i.t(pair.status === 'open' ? 'link.same_hint' : 'link.undo_hint')}</p>
        </>
      )}
    </section>
  );
}
