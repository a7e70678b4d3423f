// The first step of /login: the email address. Checked here as the API would take it
// (answers.ts), so a typo is caught without a request.
import { useEffect, useRef, type FormEvent } from 'react';
import { emailFrom } from '../api/answers';
import { alertMessage } from '../components/error-alert';
import { Field } from '../components/field';
import type { SignIn } from './use-sign-in';

export function EmailStep({ flow, ids }: { flow: SignIn; ids: string }) {
  const { email, error, busy } = flow;
  const input = useRef<HTMLInputElement>(null);

  // Errors on this step are about the address: focus stays in the field, which the alert
  // describes, so correcting it needs no Shift+Tab.
  useEffect(() => {
    if (error) input.current?.focus();
  }, [error]);

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    const address = emailFrom(email);
    if (!address) {
      flow.setError(alertMessage('Enter your email address, like name@example.com.'));
      return;
    }
    void flow.sendCode(address, false);
  }

  return (
    <form onSubmit={onSubmit} noValidate aria-busy={busy}>
      <h1>Sign in</h1>
      <p>We will email you a one-time code. No password needed.</p>
      <Field
        label="Email address"
        id={`${ids}-email`}
        name="email"
        type="email"
        spellCheck={false}
        autoCapitalize="none"
        autoComplete="email"
        ref={input}
        value={email}
        error={error}
        onChange={(e) => flow.setEmail(e.target.value)}
      />
      <button type="submit" disabled={busy}>
        Send code
      </button>
    </form>
  );
}
