import { Link } from '@tanstack/react-router';
import { usePage } from '../lib/page';

export function NotFound() {
  usePage('Page not found');
  return (
    <main className="page narrow">
      <h1>There is nothing here</h1>
      <p>
        The address may be mistyped, or the page has moved. <Link to="/">Go to the home page</Link>.
      </p>
    </main>
  );
}
