// Where the person is signed in: one session per browser, this one marked "This device", and
// a way to end the others, one at a time or all at once. The sessions live on the server; the
// browser holds only an id cookie it cannot read, so the API is asked every time.
import type { SessionSummary } from '@portcullis/shared';
import { getRouteApi, useRouter } from '@tanstack/react-router';
import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { isApiError } from '../api/api-error';
import { ErrorAlert, type AlertMessage } from '../components/error-alert';
import { formatDateTime } from '../lib/format';
import { usePage } from '../lib/page';
import { errorAlert, type Activity } from '../lib/messages';
import { signedOutReason } from '../session/session-cache';

const route = getRouteApi('/_authenticated/sessions');

/** After a change: focus the End session button at this position among the others, or -1 for the heading. */
type FocusTarget = number | null;

/** This browser's session first, then the others as the API ordered them (newest first). */
function currentFirst(sessions: SessionSummary[]): SessionSummary[] {
  return [...sessions.filter((s) => s.current), ...sessions.filter((s) => !s.current)];
}

/** One session: the device, when it signed in and was last active, and End session. */
function SessionItem(props: {
  session: SessionSummary;
  deviceId: string;
  busy: boolean;
  /** Among the other sessions (-1 for this device's): where focus goes after ending it. */
  position: number;
  onEnd: (position: number) => void;
}) {
  const { session: s, deviceId } = props;
  return (
    <li className="session">
      <div className="session-about">
        <p className="device" id={deviceId}>
          <strong>{s.device}</strong>
          {s.current ? <span className="badge">This device</span> : null}
        </p>
        <p className="hint">
          Signed in <time dateTime={s.createdAt}>{formatDateTime(s.createdAt)}</time>, last active{' '}
          <time dateTime={s.lastSeenAt}>{formatDateTime(s.lastSeenAt)}</time>
        </p>
      </div>
      {s.current ? null : (
        <button
          type="button"
          className="secondary"
          aria-describedby={deviceId}
          disabled={props.busy}
          onClick={() => props.onEnd(props.position)}
        >
          End session
        </button>
      )}
    </li>
  );
}

export function SessionsPage() {
  const { api, session, me } = route.useRouteContext();
  const router = useRouter();
  const ids = useId();
  const heading = useRef<HTMLHeadingElement>(null);
  usePage('Your sessions', heading);
  const [sessions, setSessions] = useState<SessionSummary[] | null>(null);
  const [loading, setLoading] = useState(true);
  // A change is running: every action waits for it (one change at a time).
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AlertMessage | null>(null);
  const [status, setStatus] = useState('');
  const headingRef = useRef<HTMLHeadingElement>(null);
  const listRef = useRef<HTMLUListElement>(null);
  const focusAfter = useRef<FocusTarget>(null);
  // Numbers the list requests, so that only the newest answer is shown (and none after unmount).
  const latest = useRef(0);

  /** A 401 (or not_eligible) means the session is over: the guard then sends us to /login. */
  const fail = useCallback(
    (err: unknown, activity: Activity) => {
      const reason = signedOutReason(err);
      if (reason) {
        session.signedOut(reason);
        void router.invalidate();
        return;
      }
      setError(errorAlert(err, activity));
    },
    [router, session],
  );

  const load = useCallback(async () => {
    const request = ++latest.current;
    setLoading(true);
    try {
      const list = await api.sessions();
      if (request === latest.current) setSessions(currentFirst(list));
    } catch (err) {
      if (request === latest.current) fail(err, 'load-sessions');
    } finally {
      if (request === latest.current) setLoading(false);
    }
  }, [api, fail]);

  useEffect(() => {
    void load();
    return () => {
      latest.current += 1;
    };
  }, [load]);

  // Once a change is done and the list re-rendered, put focus where the removed button was
  // (the next End session button, else the previous one, else the list's heading), so that
  // keyboard and screen reader users are not dropped at the top of the document.
  useEffect(() => {
    const target = focusAfter.current;
    if (target === null || busy) return;
    focusAfter.current = null;
    const buttons = listRef.current?.querySelectorAll<HTMLButtonElement>('button') ?? [];
    const next = target >= 0 ? buttons[Math.min(target, buttons.length - 1)] : undefined;
    (next ?? headingRef.current)?.focus();
  }, [sessions, busy]);

  async function endSession(ended: SessionSummary, position: number) {
    setBusy(true);
    setError(null);
    setStatus('');
    try {
      await api.endSession(ended.id);
      setStatus(`The session on ${ended.device} has ended.`);
      focusAfter.current = position;
    } catch (err) {
      fail(err, 'end-session');
      // Anything but "it has ended already" leaves the list as it was.
      if (!isApiError(err, 'not_found')) {
        setBusy(false);
        return;
      }
    }
    setSessions((list) => list?.filter((s) => s.id !== ended.id) ?? null);
    await load();
    setBusy(false);
  }

  async function endOthers() {
    setBusy(true);
    setError(null);
    setStatus('');
    try {
      await api.endOtherSessions();
    } catch (err) {
      fail(err, 'end-other-sessions');
      setBusy(false);
      return;
    }
    setStatus('You have signed out of all other sessions.');
    focusAfter.current = -1;
    setSessions((list) => list?.filter((s) => s.current) ?? null);
    await load();
    setBusy(false);
  }

  const headingId = `${ids}-heading`;
  let otherPosition = 0;
  const hasOthers = sessions?.some((s) => !s.current) ?? false;

  return (
    <main className="page">
      <h1 ref={heading} tabIndex={-1}>
        Your sessions
      </h1>
      <p>
        You are signed in as <strong className="email">{me.user.email}</strong>. Each browser you
        sign in with has its own session. If you do not recognise one, end it.
      </p>
      <p>
        This session ends at{' '}
        <time dateTime={me.session.expiresAt}>{formatDateTime(me.session.expiresAt)}</time> unless
        you use Portcullis before then, and at{' '}
        <time dateTime={me.session.absoluteExpiresAt}>
          {formatDateTime(me.session.absoluteExpiresAt)}
        </time>{' '}
        at the latest.
      </p>
      <ErrorAlert message={error} />
      <p role="status" className="status">
        {status}
      </p>

      <section aria-labelledby={headingId} aria-busy={loading}>
        <h2 id={headingId} ref={headingRef} tabIndex={-1}>
          Where you are signed in
        </h2>
        {sessions === null ? (
          loading ? (
            <p className="hint">Loading your sessions…</p>
          ) : (
            <button type="button" className="secondary" onClick={() => void load()}>
              Try again
            </button>
          )
        ) : (
          <ul className="sessions" ref={listRef}>
            {sessions.map((s, index) => (
              <SessionItem
                key={s.id}
                session={s}
                deviceId={`${ids}-device-${index}`}
                busy={busy}
                onEnd={(position) => void endSession(s, position)}
                position={s.current ? -1 : otherPosition++}
              />
            ))}
          </ul>
        )}
        {sessions !== null && !hasOthers ? (
          <p className="hint">You are not signed in anywhere else.</p>
        ) : null}
        {hasOthers ? (
          <button
            type="button"
            className="secondary"
            disabled={busy}
            onClick={() => void endOthers()}
          >
            Sign out of all other sessions
          </button>
        ) : null}
      </section>
    </main>
  );
}
