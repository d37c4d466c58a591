import { useState } from 'preact/hooks';
import { api, ApiError, setCsrf } from '../api';
import { ErrorBox, Field } from '../components';
import { useI18n } from '../i18n';

const MIN_LENGTH = 12;

export function ChangePassword({ forced, onDone }: { forced: boolean; onDone: () => void }) {
  const i = useI18n();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [mismatch, setMismatch] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    setError(null);
    if (next !== confirm) {
      setMismatch(true);
      return;
    }
    setMismatch(false);
    setBusy(true);
    try {
      const r = await api.changePassword(current, next);
      setCsrf(r.csrf_token);
      setCurrent('');
      setNext('');
      setConfirm('');
      onDone();
    } catch (err) {
      setError(err);
      if (err instanceof ApiError && err.code === 'wrong_password') setCurrent('');
    } finally {
      setBusy(false);
    }
  };

  const fe = (f: string) => i.fieldError(error, f);

  return (
    <main class="card card-narrow" aria-labelledby="pw-title">
      <h1 id="pw-title">{i.t('password.title')}</h1>
      <p class="lead">{forced ? i.t('password.forced') : i.t('password.intro')}</p>
      <form onSubmit={submit} data-testid="password-form">
        <Field
          label={i.t('password.current')}
          name="current"
          type="password"
          value={current}
          onInput={setCurrent}
          autocomplete="current-password"
          dir="ltr"
          required
          autoFocus
          error={fe('current')}
        />
        <Field
          label={i.t('password.new')}
          name="new"
          type="password"
          value={next}
          onInput={setNext}
          autocomplete="new-password"
          dir="ltr"
          required
          hint={i.t('password.rule', { n: MIN_LENGTH })}
          error={fe('new')}
        />
        <Field
          label={i.t('password.confirm')}
          name="confirm"
          type="password"
          value={confirm}
          onInput={(v) => {
            setConfirm(v);
            setMismatch(false);
          }}
          autocomplete="new-password"
          dir="ltr"
          required
          error={mismatch ? i.t('error.password_mismatch') : null}
        />
        <ErrorBox error={error} />
        <div class="actions">
          <button type="submit" class="btn btn-primary" data-testid="password-submit" disabled={busy}>
            {busy ? i.t('common.working') : i.t('password.submit')}
          </button>
        </div>
      </form>
    </main>
  );
}
