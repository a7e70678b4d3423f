// The frame of every signed-in page: who is signed in, the navigation, and Sign out.
import { getRouteApi, Link, Outlet, useRouter } from '@tanstack/react-router';
import { useState } from 'react';
import { ErrorAlert, type AlertMessage } from '../components/error-alert';
import { errorAlert } from '../lib/messages';

const route = getRouteApi('/_authenticated');

/** The API could not be reached on this navigation: say so inside the layout, with a retry. */
function Outage({ error }: { error: unknown }) {
  const router = useRouter();
  const [message, setMessage] = useState(() => errorAlert(error, 'load-session'));
  async function retry() {
    await router.invalidate();
    // Still down: the same alert again (focused and announced), so the retry reports.
    setMessage(errorAlert(error, 'load-session', 'Still unavailable. '));
  }
  return (
    <div className="outage">
      <ErrorAlert message={message} />
      <button type="button" onClick={() => void retry()}>
        Try again
      </button>
    </div>
  );
}

export function AppLayout() {
  const { api, session, channel, me, outage } = route.useRouteContext();
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AlertMessage | null>(null);

  async function signOut() {
    setBusy(true);
    setError(null);
    try {
      await api.logout();
    } catch (err) {
      // The cookie is HttpOnly: only the API can remove it, so do not pretend it is gone.
      setError(errorAlert(err, 'sign-out'));
      setBusy(false);
      return;
    }
    session.signedOut('signed_out');
    channel.post({ type: 'signed-out' });
    await router.navigate({ to: '/login', search: { reason: 'signed_out' } });
  }

  return (
    <>
      <header className="topbar">
        <Link to="/" className="brand">
          Portcullis
        </Link>
        <nav aria-label="Main">
          <Link to="/" activeOptions={{ exact: true }}>
            Home
          </Link>
          <Link to="/sessions">Sessions</Link>
        </nav>
        <div className="who">
          <span className="email">{me.user.email}</span>
          <button
            type="button"
            className="secondary"
            disabled={busy}
            onClick={() => void signOut()}
          >
            Sign out
          </button>
        </div>
      </header>
      <ErrorAlert message={error} />
      {outage ? <Outage error={outage} /> : null}
      <Outlet />
    </>
  );
}
