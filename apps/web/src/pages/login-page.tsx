// Sign-in in two steps: an email address, then the one-time code Auth0 emailed. The second
// step looks the same whether or not the address may sign in: the page never says which.
// The steps share their state through useSignIn (use-sign-in.ts).
import { lazy, Suspense, useId } from 'react';
import { usePage } from '../lib/page';
import { EmailStep } from './login-email-step';
import { loadCodeStep, useSignIn } from './use-sign-in';

const CodeStep = lazy(loadCodeStep);

export function LoginPage() {
  const flow = useSignIn();
  const { step } = flow;
  const ids = useId();
  usePage(step ? 'Check your email' : 'Sign in');

  return (
    <main className="page narrow">
      <p className="brand">Portcullis</p>
      {step ? (
        <Suspense fallback={null}>
          <CodeStep flow={flow} progress={step} ids={ids} />
        </Suspense>
      ) : (
        <EmailStep flow={flow} ids={ids} />
      )}
      <p role="status" className="status">
        {flow.status || (flow.slow ? (step ? 'Signing you in…' : 'Sending your code…') : '')}
      </p>
    </main>
  );
}
