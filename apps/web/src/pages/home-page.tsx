import { getRouteApi } from '@tanstack/react-router';
import { useRef } from 'react';
import { usePage } from '../lib/page';
import { fieldLabel, fieldValue, formatDateTime } from '../lib/format';

const route = getRouteApi('/_authenticated/');

export function HomePage() {
  const { me } = route.useRouteContext();
  const { user, eligibility, session } = me;
  const { recordId, ...fields } = eligibility;
  const heading = useRef<HTMLHeadingElement>(null);
  usePage('Home', heading);
  return (
    <main className="page">
      <h1 ref={heading} tabIndex={-1}>
        Welcome{user.name ? `, ${user.name}` : ''}
      </h1>
      <p>
        You are signed in as <strong className="email">{user.email}</strong>
        {user.emailVerified ? ' (verified)' : ''}.
      </p>

      <section aria-labelledby="record-heading">
        <h2 id="record-heading">Your record</h2>
        <dl className="fields">
          <div className="field">
            <dt>Record</dt>
            <dd>{recordId}</dd>
          </div>
          {Object.entries(fields).map(([name, value]) => (
            <div key={name} className="field">
              <dt>{fieldLabel(name)}</dt>
              <dd>{fieldValue(value)}</dd>
            </div>
          ))}
        </dl>
      </section>

      <section aria-labelledby="session-heading">
        <h2 id="session-heading">Your session</h2>
        <p>
          Your session ends at{' '}
          <time dateTime={session.expiresAt}>{formatDateTime(session.expiresAt)}</time> unless you
          use Portcullis before then, and at{' '}
          <time dateTime={session.absoluteExpiresAt}>
            {formatDateTime(session.absoluteExpiresAt)}
          </time>{' '}
          at the latest.
        </p>
      </section>
    </main>
  );
}
