import { useEffect, useMemo, useState } from 'preact/hooks';
import { allPages, api, type AuditRow, type User } from '../api';
import { ErrorBox } from '../components';
import { useI18n } from '../i18n';

const PAGE = 50;

function shortId(id: string | null): string {
  return id ? id.slice(0, 8) : '—';
}

export function Audit({ canReadUsers }: { canReadUsers: boolean }) {
  const i = useI18n();
  const [rows, setRows] = useState<AuditRow[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [users, setUsers] = useState<User[]>([]);

  const names = useMemo(() => new Map(users.map((u) => [u.id, u.username])), [users]);

  const load = async (more: boolean) => {
    setBusy(true);
    setError(null);
    try {
      const page = await api.audit(more ? cursor : null, PAGE);
      setRows((prev) => (more && prev ? [...prev, ...page.items] : page.items));
      setCursor(page.next_cursor);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  useEffect(() => {
    void load(false);
    if (canReadUsers) allPages((c) => api.users(null, c), 5).then(setUsers, () => undefined);
  }, []);

  const label = (prefix: string, v: string | null) => (v && i.has(prefix + v) ? i.t(prefix + v) : v ?? '—');

  return (
    <section aria-labelledby="audit-title">
      <div class="section-head">
        <h1 id="audit-title">{i.t('audit.title')}</h1>
        <button type="button" class="btn" data-testid="audit-refresh" disabled={busy} onClick={() => load(false)}>
          {i.t('common.refresh')}
        </button>
      </div>
      <p class="lead">{i.t('audit.intro')}</p>
      <ErrorBox error={error} />
      {rows === null && !error && <p class="muted">{i.t('common.loading')}</p>}
      {rows && rows.length === 0 && <p class="muted">{i.t('audit.empty')}</p>}
      {rows && rows.length > 0 && (
        <div class="table-wrap" tabIndex={0} role="region" aria-labelledby="audit-title">
          <table class="table table-dense" data-testid="audit-table">
            <thead>
              <tr>
                <th scope="col">{i.t('audit.seq')}</th>
                <th scope="col">{i.t('audit.time')}</th>
                <th scope="col">{i.t('audit.actor')}</th>
                <th scope="col">{i.t('audit.action')}</th>
                <th scope="col">{i.t('audit.object')}</th>
                <th scope="col">{i.t('audit.outcome')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.seq} data-testid="audit-row" data-seq={r.seq}>
                  <td class="num">{i.num(r.seq)}</td>
                  <td class="nowrap">{i.date(r.at)}</td>
                  <td>
                    {r.actor_id ? (
                      <span dir="ltr" title={r.actor_id}>
                        {names.get(r.actor_id) ?? shortId(r.actor_id)}
                      </span>
                    ) : (
                      <span class="muted">{i.t('audit.anonymous')}</span>
                    )}
                  </td>
                  <td>
                    <span>{label('audit.action.', r.action)}</span>
                    {i.has('audit.action.' + r.action) && (
                      <div class="muted small">
                        <bdi dir="ltr">{r.action}</bdi>
                      </div>
                    )}
                  </td>
                  <td>
                    {r.object_type ? label('audit.object.', r.object_type) : '—'}
                    {r.object_id && (
                      <div class="muted small" title={r.object_id}>
                        <bdi dir="ltr">{shortId(r.object_id)}</bdi>
                      </div>
                    )}
                  </td>
                  <td>
                    <span class={'badge ' + (r.outcome === 'ok' || r.outcome === 'success' ? 'badge-on' : 'badge-off')}>
                      {label('audit.outcome.', r.outcome)}
                    </span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {cursor && (
        <div class="actions">
          <button type="button" class="btn" data-testid="audit-more" disabled={busy} onClick={() => load(true)}>
            {busy ? i.t('common.loading') : i.t('common.load_more')}
          </button>
        </div>
      )}
    </section>
  );
}
