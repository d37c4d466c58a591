// The work list: identification deadlines due or passed (case references and
// dates only), overdue first, then by due date.
import { useEffect, useState } from 'preact/hooks';
import { ErrorBox } from '../components';
import { useI18n } from '../i18n';
import { screeningApi, WORK_KINDS, type WorkItem } from '../screeningApi';
import { caseHref } from './Cases';
import { ReferralWorkItem, referralWorkId } from './referralParts';
import { dayText, daysFromToday, word } from './screeningParts';

const isLate = (w: WorkItem) => /_overdue$/.test(w.kind) || (daysFromToday(w.due) ?? 0) < 0;

function order(a: WorkItem, b: WorkItem): number {
  const la = isLate(a) ? 0 : 1;
  const lb = isLate(b) ? 0 : 1;
  if (la !== lb) return la - lb;
  if (a.due !== b.due) return a.due < b.due ? -1 : 1;
  const ka = (WORK_KINDS as readonly string[]).indexOf(a.kind);
  const kb = (WORK_KINDS as readonly string[]).indexOf(b.kind);
  return ka - kb || (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0);
}

export function Worklist() {
  const i = useI18n();
  const [items, setItems] = useState<WorkItem[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [cursor, setCursor] = useState<string | null>(null);

  const load = (more = false) => {
    setBusy(true);
    setError(null);
    screeningApi
      .worklist(more ? cursor : null)
      .then(
        (r) => {
          setItems((old) => [...(more && old ? old : []), ...r.items].sort(order));
          setCursor(r.next_cursor ?? null);
        },
        (err) => {
          setError(err);
          setItems((x) => x ?? []);
        },
      )
      .finally(() => setBusy(false));
  };
  useEffect(() => load(), []);

  return (
    <section aria-labelledby="worklist-title" data-testid="worklist">
      <div class="section-head">
        <h1 id="worklist-title">{i.t('worklist.title')}</h1>
        <button type="button" class="btn btn-small" data-testid="worklist-refresh" disabled={busy} onClick={() => load()}>
          {i.t('common.refresh')}
        </button>
      </div>
      <p class="lead">{i.t('worklist.intro')}</p>
      <ErrorBox error={error} />
      {items === null && <p class="muted">{i.t('common.loading')}</p>}
      {items && items.length === 0 && !error && (
        <p class="muted" data-testid="worklist-empty">
          {i.t('worklist.empty')}
        </p>
      )}
      {items && items.length > 0 && (
        <ul class="work-items">
          {items.map((w) => {
            if (referralWorkId(w)) return <ReferralWorkItem key={w.kind + referralWorkId(w)} w={w} />;
            const late = isLate(w);
            const d = daysFromToday(w.due);
            const n = typeof w.days === 'number' ? Math.abs(w.days) : d !== null ? Math.abs(d) : null;
            return (
              <li key={w.kind + w.ref} class={'work-item' + (late ? ' overdue' : '')} data-testid="work-item" data-kind={w.kind} data-ref={w.ref} data-overdue={late ? 'true' : 'false'}>
                <div class="work-kind">{word(i, 'worklist.kind.', w.kind)}</div>
                <div class="work-line">
                  <a href={caseHref(w.ref)} data-testid="work-case">
                    <bdi dir="ltr">{w.ref}</bdi>
                  </a>
                  <span>{i.t('worklist.due', { date: dayText(i, w.due) })}</span>
                  {n !== null && <span class={late ? 'overdue-note' : 'muted'}>{late ? i.t('worklist.overdue_by', { n }) : n === 0 ? i.t('worklist.today') : i.t('worklist.days_left', { n })}</span>}
                </div>
              </li>
            );
          })}
        </ul>
      )}
      {cursor && (
        <div class="actions">
          <button type="button" class="btn" data-testid="worklist-more" disabled={busy} onClick={() => load(true)}>
            {busy ? i.t('common.loading') : i.t('common.load_more')}
          </button>
        </div>
      )}
    </section>
  );
}
