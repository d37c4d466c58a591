// In-app notifications of the user's organisation (#/notifications): the
// bell in the top bar with the unread count, and the list, where opening one
// marks it read and goes to the referral (or the transferred case).
import { useEffect, useState } from 'preact/hooks';
import { useI18n } from '../i18n';
import { referralApi, type Notification } from '../referralApi';
import { caseHref } from './Cases';
import { RefErrorBox, referralHref } from './referralParts';

const CHANGED = 'ihala:notifications';
const POLL_MS = 60000;

/** Tell the bell to count again (after marking some read). */
const changed = () => window.dispatchEvent(new Event(CHANGED));

export function NotificationBell() {
  const i = useI18n();
  const [unread, setUnread] = useState<number | null>(null);
  useEffect(() => {
    let live = true;
    const count = () =>
      referralApi.notifications(true, null, 1).then(
        (r) => live && setUnread(r.unread),
        () => undefined,
      );
    count();
    const timer = window.setInterval(count, POLL_MS);
    window.addEventListener('hashchange', count);
    window.addEventListener(CHANGED, count);
    return () => {
      live = false;
      window.clearInterval(timer);
      window.removeEventListener('hashchange', count);
      window.removeEventListener(CHANGED, count);
    };
  }, []);
  const n = unread ?? 0;
  return (
    <a class="bell" href="#/notifications" data-testid="bell" data-unread={n} aria-label={i.t('referral.bell_label', { n })}>
      <svg class="bell-icon" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false">
        <path d="M12 3a6 6 0 0 0-6 6v4l-2 3v1h16v-1l-2-3V9a6 6 0 0 0-6-6zm-2 16a2 2 0 0 0 4 0z" fill="currentColor" />
      </svg>
      {n > 0 && (
        <span class="bell-count" data-testid="bell-count" aria-hidden="true">
          {i.num(n)}
        </span>
      )}
    </a>
  );
}

const kindKey = (kind: string) => 'referral.notif.' + kind.replace(/\./g, '_');

function target(n: Notification): string | null {
  if (n.object_type === 'referral') return referralHref(n.object_id);
  if (n.object_type === 'case' && n.case_ref) return caseHref(n.case_ref);
  return null;
}

export function Notifications() {
  const i = useI18n();
  const [items, setItems] = useState<Notification[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [unread, setUnread] = useState(0);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const load = (more: boolean) => {
    setBusy(true);
    setError(null);
    referralApi
      .notifications(false, more ? cursor : null)
      .then(
        (r) => {
          setItems((old) => [...(more && old ? old : []), ...r.items]);
          setCursor(r.next_cursor);
          setUnread(r.unread);
        },
        (e) => {
          setError(e);
          setItems((x) => x ?? []);
        },
      )
      .finally(() => setBusy(false));
  };
  useEffect(() => load(false), []);

  const markAll = async () => {
    setBusy(true);
    try {
      const r = await referralApi.markRead('all');
      setUnread(r.unread);
      setItems((xs) => (xs ?? []).map((x) => ({ ...x, read: true })));
      changed();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const open = async (n: Notification, ev: Event) => {
    const href = target(n);
    ev.preventDefault();
    if (!n.read) {
      try {
        await referralApi.markRead([n.id]);
        changed();
      } catch {
        /* still go there: being unread is not a reason to stay */
      }
    }
    if (href) location.hash = href.slice(1);
  };

  return (
    <section aria-labelledby="notif-title" data-testid="notifications">
      <div class="section-head">
        <h1 id="notif-title">{i.t('referral.notif_title')}</h1>
        {unread > 0 && (
          <button type="button" class="btn btn-small" data-testid="notif-all-read" disabled={busy} onClick={markAll}>
            {i.t('referral.notif_all_read')}
          </button>
        )}
      </div>
      <p class="lead">{i.t('referral.notif_intro')}</p>
      <RefErrorBox error={error} />
      {items === null && <p class="muted">{i.t('common.loading')}</p>}
      {items && items.length === 0 && !error && (
        <p class="muted" data-testid="notif-empty">
          {i.t('referral.notif_none')}
        </p>
      )}
      {items && items.length > 0 && (
        <ul class="notif-list">
          {items.map((n) => {
            const href = target(n);
            const words = i.has(kindKey(n.kind)) ? i.t(kindKey(n.kind)) : n.kind;
            return (
              <li key={n.id} class={'notif' + (n.read ? '' : ' unread')} data-testid="notif" data-kind={n.kind} data-read={n.read ? 'true' : 'false'}>
                <span>
                  {href ? (
                    <a href={href} data-testid="notif-open" onClick={(e) => open(n, e)}>
                      {words}
                    </a>
                  ) : (
                    words
                  )}
                  {n.case_ref && (
                    <>
                      {' · '}
                      <bdi dir="ltr">{n.case_ref}</bdi>
                    </>
                  )}
                </span>
                <span class="muted small">{i.date(n.created_at)}</span>
              </li>
            );
          })}
        </ul>
      )}
      {cursor && (
        <div class="actions">
          <button type="button" class="btn" disabled={busy} onClick={() => load(true)}>
            {busy ? i.t('common.loading') : i.t('common.load_more')}
          </button>
        </div>
      )}
    </section>
  );
}
