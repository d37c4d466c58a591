// Small shared pieces: form fields, error box, language switch, banner.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Locale } from './api';
import { useI18n } from './i18n';

export function ErrorBox({ error }: { error: unknown }) {
  const i = useI18n();
  if (!error) return null;
  return (
    <p class="alert alert-error" role="alert" data-testid="error">
      {i.error(error)}
    </p>
  );
}

export function Notice({ children }: { children: ComponentChildren }) {
  return (
    <p class="alert alert-ok" role="status" data-testid="notice">
      {children}
    </p>
  );
}

interface FieldProps {
  label: string;
  name: string;
  value: string;
  onInput: (v: string) => void;
  type?: 'text' | 'password';
  autocomplete?: string;
  inputMode?: 'numeric' | 'text';
  required?: boolean;
  maxLength?: number;
  minLength?: number;
  pattern?: string;
  dir?: 'ltr' | 'rtl' | 'auto';
  error?: string | null;
  hint?: string;
  autoFocus?: boolean;
}

let fieldSeq = 0;

export function Field(p: FieldProps) {
  const [id] = useState(() => 'f' + ++fieldSeq);
  const attrs = {
    id,
    name: p.name,
    value: p.value,
    onInput: (e: Event) => p.onInput((e.currentTarget as HTMLInputElement).value),
    autocomplete: p.autocomplete,
    inputMode: p.inputMode,
    required: p.required,
    maxLength: p.maxLength,
    minLength: p.minLength,
    pattern: p.pattern,
    dir: p.dir,
    autoFocus: p.autoFocus,
    'aria-invalid': p.error ? ('true' as const) : undefined,
    'aria-describedby': p.error || p.hint ? id + '-d' : undefined,
  };
  return (
    <div class={'field' + (p.error ? ' has-error' : '')}>
      <label for={id}>{p.label}</label>
      {p.type === 'password' ? <input type="password" {...attrs} /> : <input type="text" {...attrs} />}
      {(p.error || p.hint) && (
        <small id={id + '-d'} class={p.error ? 'field-error' : 'hint'}>
          {p.error || p.hint}
        </small>
      )}
    </div>
  );
}

interface SelectProps {
  label: string;
  name: string;
  value: string;
  onChange: (v: string) => void;
  options: { value: string; label: string }[];
  error?: string | null;
  required?: boolean;
}

export function Select(p: SelectProps) {
  const [id] = useState(() => 'f' + ++fieldSeq);
  return (
    <div class={'field' + (p.error ? ' has-error' : '')}>
      <label for={id}>{p.label}</label>
      <select
        id={id}
        name={p.name}
        value={p.value}
        required={p.required}
        onChange={(e) => p.onChange((e.currentTarget as HTMLSelectElement).value)}
        aria-invalid={p.error ? 'true' : undefined}
      >
        {p.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      {p.error && <small class="field-error">{p.error}</small>}
    </div>
  );
}

const LANG_NAMES: Record<Locale, string> = { ar: 'العربية', en: 'English' };

export function LangSwitch({ onSwitch }: { onSwitch: (l: Locale) => void }) {
  const i = useI18n();
  const other: Locale = i.locale === 'ar' ? 'en' : 'ar';
  return (
    <button
      type="button"
      class="btn btn-quiet lang-switch"
      lang={other}
      dir={other === 'ar' ? 'rtl' : 'ltr'}
      data-testid="lang-switch"
      aria-label={i.t('lang.switch_to', { lang: LANG_NAMES[other] })}
      onClick={() => onSwitch(other)}
    >
      {LANG_NAMES[other]}
    </button>
  );
}

export function DemoBanner() {
  const i = useI18n();
  return (
    <div class="demo-banner" role="note" data-testid="demo-banner">
      {i.t('demo.banner')}
    </div>
  );
}

/** A button that asks "Sure?" in place before doing something weighty. */
export function ConfirmButton(props: {
  label: string;
  testid: string;
  onConfirm: () => void;
  busy?: boolean;
  danger?: boolean;
}) {
  const i = useI18n();
  const [asking, setAsking] = useState(false);
  if (!asking) {
    return (
      <button
        type="button"
        class={'btn btn-small' + (props.danger ? ' btn-danger' : '')}
        data-testid={props.testid}
        disabled={props.busy}
        onClick={() => setAsking(true)}
      >
        {props.label}
      </button>
    );
  }
  return (
    <span class="confirm">
      <span class="confirm-q">{i.t('common.are_you_sure')}</span>
      <button
        type="button"
        class={'btn btn-small' + (props.danger ? ' btn-danger' : ' btn-primary')}
        data-testid={props.testid + '-yes'}
        onClick={() => {
          setAsking(false);
          props.onConfirm();
        }}
      >
        {i.t('common.yes')}
      </button>
      <button type="button" class="btn btn-small" data-testid={props.testid + '-no'} onClick={() => setAsking(false)}>
        {i.t('common.no')}
      </button>
    </span>
  );
}

export function OneTimePassword({ username, password, onDone }: { username: string; password: string; onDone: () => void }) {
  const i = useI18n();
  const [copied, setCopied] = useState(false);
  return (
    <div class="otp-box" role="status" data-testid="one-time-password-box">
      <p>{i.t('users.otp_intro', { username })}</p>
      <p class="otp-value">
        <code dir="ltr" data-testid="one-time-password">
          {password}
        </code>
      </p>
      <p class="hint">{i.t('users.otp_once')}</p>
      <div class="actions">
        {typeof navigator.clipboard?.writeText === 'function' && (
          <button
            type="button"
            class="btn"
            data-testid="otp-copy"
            onClick={() => navigator.clipboard.writeText(password).then(() => setCopied(true), () => setCopied(false))}
          >
            {copied ? i.t('common.copied') : i.t('common.copy')}
          </button>
        )}
        <button type="button" class="btn btn-primary" data-testid="otp-done" onClick={onDone}>
          {i.t('common.done')}
        </button>
      </div>
    </div>
  );
}

/**
 * A modal dialog (the native <dialog>, opened with showModal so that focus
 * stays inside and Escape closes it).
 */
export function Dialog(props: { title: string; testid: string; onClose: () => void; children: ComponentChildren; danger?: boolean }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [id] = useState(() => 'dlg' + ++fieldSeq);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) {
      try {
        d.showModal();
      } catch {
        d.setAttribute('open', '');
      }
    }
    return () => {
      if (d && d.open) d.close();
    };
  }, []);
  return (
    <dialog
      ref={ref}
      class={'dialog' + (props.danger ? ' dialog-danger' : '')}
      aria-labelledby={id}
      data-testid={props.testid}
      onCancel={(e) => {
        e.preventDefault();
        props.onClose();
      }}
    >
      <h2 id={id}>{props.title}</h2>
      {props.children}
    </dialog>
  );
}
