import { getRouteApi, useRouter } from '@tanstack/react-router';
import { formatDateTime } from '../lib/format';

const route = getRouteApi('/_authenticated/session');

/** How the session works, and a way to ask the API again right now. */
export function SessionPage() {
  const { me, session } = route.useRouteContext();
  const router = useRouter();
  return (
    <main className="page">
      <h1>Your session</h1>
      <p>
        Signed in as <strong className="email">{me.user.email}</strong>. The session lives in a
        cookie that this page cannot read; the server renews it while you use Portcullis.
      </p>
      <dl className="fields">
        <div className="field">
          <dt>Ends if unused</dt>
          <dd>
            <time dateTime={me.session.expiresAt}>{formatDateTime(me.session.expiresAt)}</time>
          </dd>
        </div>
        <div className="field">
          <dt>Ends at the latest</dt>
          <dd>
            <time dateTime={me.session.absoluteExpiresAt}>
              {formatDateTime(me.session.absoluteExpiresAt)}
            </time>
          </dd>
        </div>
      </dl>
      <button
        type="button"
        className="secondary"
        onClick={() => {
          session.invalidate();
          void router.invalidate();
        }}
      >
        Check again
      </button>
    </main>
  );
}
