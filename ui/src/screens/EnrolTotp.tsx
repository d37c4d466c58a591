import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import { ErrorBox, Field } from '../components';
import { useI18n } from '../i18n';

/** Turns an otpauth:// URI into a data: SVG image (the QR code library is loaded only here). */
async function qrImage(uri: string): Promise<string> {
  const QR = await import('qrcode');
  const svg = await QR.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(svg);
}

function groupSecret(s: string): string {
  return s.replace(/\s+/g, '').replace(/(.{4})(?=.)/g, '$1 ');
}

export function EnrolTotp({ forced, onDone, onCancel }: { forced: boolean; onDone: () => void; onCancel?: () => void }) {
  const i = useI18n();
  const [secret, setSecret] = useState<string | null>(null);
  const [qr, setQr] = useState<string | null>(null);
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [error, setError] = useState<unknown>(null);
  const started = useRef(false);

  const begin = async () => {
    setLoadError(null);
    try {
      const r = await api.totpBegin();
      setSecret(r.secret);
      qrImage(r.otpauth_uri).then(setQr, () => setQr(null));
    } catch (err) {
      setLoadError(err);
    }
  };

  useEffect(() => {
    if (started.current) return;
    started.current = true;
    void begin();
  }, []);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await api.totpConfirm(code.replace(/\s+/g, ''));
      onDone();
    } catch (err) {
      setError(err);
      setCode('');
    } finally {
      setBusy(false);
    }
  };

  const already = loadError instanceof ApiError && loadError.code === 'conflict';

  return (
    <main class="card card-narrow" aria-labelledby="totp-title">
      <h1 id="totp-title">{i.t('totp.title')}</h1>
      <p class="lead">{forced ? i.t('totp.forced') : i.t('totp.intro')}</p>
      {already ? (
        <p class="alert alert-info" data-testid="totp-already">
          {i.t('totp.already')}
        </p>
      ) : (
        <ErrorBox error={loadError} />
      )}
      {secret && (
        <>
          <ol class="steps">
            <li>{i.t('totp.step_scan')}</li>
            <li>{i.t('totp.step_type')}</li>
          </ol>
          <div class="qr">
            {qr ? (
              <img src={qr} width={220} height={220} alt={i.t('totp.qr_alt')} data-testid="totp-qr" />
            ) : (
              <div class="qr-placeholder">{i.t('common.loading')}</div>
            )}
          </div>
          <p class="secret-line">
            <span>{i.t('totp.secret')}</span>{' '}
            <code dir="ltr" class="secret" data-testid="totp-secret" data-secret={secret}>
              {groupSecret(secret)}
            </code>
          </p>
          <form onSubmit={submit} data-testid="totp-form">
            <Field
              label={i.t('totp.code')}
              name="code"
              value={code}
              onInput={setCode}
              autocomplete="one-time-code"
              inputMode="numeric"
              pattern="[0-9]{6}"
              maxLength={6}
              dir="ltr"
              required
              error={i.fieldError(error, 'code')}
            />
            <ErrorBox error={error} />
            <div class="actions">
              <button type="submit" class="btn btn-primary" data-testid="totp-submit" disabled={busy}>
                {busy ? i.t('common.working') : i.t('totp.submit')}
              </button>
              {onCancel && (
                <button type="button" class="btn" data-testid="totp-cancel" onClick={onCancel}>
                  {i.t('common.cancel')}
                </button>
              )}
            </div>
          </form>
        </>
      )}
      {!secret && onCancel && (
        <div class="actions">
          <button type="button" class="btn" data-testid="totp-cancel" onClick={onCancel}>
            {i.t('common.back')}
          </button>
        </div>
      )}
    </main>
  );
}
