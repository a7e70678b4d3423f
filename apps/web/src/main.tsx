import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';

// Placeholder page until the SPA issue builds the sign-in flow and guarded routes.
function App() {
  return (
    <main>
      <h1>Portcullis</h1>
      <p>Sign-in with a one-time code is on its way.</p>
    </main>
  );
}

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
