import { useRouter, type ErrorComponentProps } from '@tanstack/react-router';
import { useState } from 'react';
import { alertMessage, ErrorAlert } from '../components/error-alert';
import { errorMessage } from '../lib/messages';

/** When a route could not load (the API or a service behind it is down): say so, offer a retry. */
export function RouteError({ error }: ErrorComponentProps) {
  const router = useRouter();
  const [message] = useState(() => alertMessage(errorMessage(error, 'load-session')));
  return (
    <main className="page narrow">
      <h1>We could not load this page</h1>
      <ErrorAlert message={message} />
      <button type="button" onClick={() => void router.invalidate()}>
        Try again
      </button>
    </main>
  );
}
