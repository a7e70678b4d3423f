import { useRouter, type ErrorComponentProps } from '@tanstack/react-router';
import { useEffect, useState } from 'react';
import { alertMessage, ErrorAlert, type AlertMessage } from '../components/error-alert';
import { usePage } from '../lib/page';

/** When a route could not load (the API or a service behind it is down): say so, offer a retry. */
export function RouteError({ error }: ErrorComponentProps) {
  const router = useRouter();
  usePage('Could not load this page');
  const [message, setMessage] = useState<AlertMessage | null>(null);
  // The sentences are their own chunk (kept out of /login's first load); if loading it is what
  // failed, a plain sentence still shows.
  useEffect(() => {
    let live = true;
    void import('../lib/messages')
      .then(
        (m) => m.errorAlert(error, 'load-session'),
        () => alertMessage('Something went wrong on our side. Try again.'),
      )
      .then((alert) => live && setMessage(alert));
    return () => {
      live = false;
    };
  }, [error]);
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
