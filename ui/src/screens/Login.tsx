import { useState } from 'preact/hooks';
import { api, ApiError, setCsrf } from '../api';
import { ErrorBox, Field } from '../components';
import { useI18n } from '../i18n';

export function Login({ onSignedIn, notice }: { onSignedIn: () => void; notice?: string | null }) {
  const i = useI18n();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [totp, setTotp] = useState('');
  const [needTotp, setNeedTotp] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      const r = await api.login(username.trim(), password, needTotp ? totp.trim() : undefined);
      setCsrf(r.csrf_token);
      setPassword('');
      setTotp('');
      onSignedIn();
    } catch (err) {
      if (err instanceof ApiError && err.code === 'totp_required') {
        // Not an error for the person: ask for the code.
        setNeedTotp(true);
        setError(null);
      } else {
        if (err instanceof ApiError && err.code === 'totp_invalid') setTotp('');
        setError(err);
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="card card-narrow" aria-labelledby="login-title">
      <h1 id="login-title">{i.t('login.title')}</h1>
      {notice && <p class="alert alert-info">{notice}</p>}
      <form onSubmit={submit} novalidate={false} data-testid="login-form">
        <Field
          label={i.t('login.username')}
          name="username"
          value={username}
          onInput={setUsername}
          autocomplete="username"
          dir="ltr"
          required
          autoFocus
        />
        <Field
          label={i.t('login.password')}
          name="password"
          type="password"
          value={password}
          onInput={setPassword}
          autocomplete="current-password"
          dir="ltr"
          required
        />
        {needTotp && (
          <Field
            label={i.t('login.totp')}
            name="totp"
            value={totp}
            onInput={setTotp}
            autocomplete="one-time-code"
            inputMode="numeric"
            pattern="[0-9]{6}"
            maxLength={6}
            dir="ltr"
            hint={i.t('login.totp_hint')}
            required
            autoFocus
          />
        )}
        <ErrorBox error={error} />
        <div class="actions">
          <button type="submit" class="btn btn-primary" data-testid="login-submit" disabled={busy}>
            {busy ? i.t('common.working') : i.t('login.submit')}
          </button>
        </div>
      </form>
    </main>
  );
}
