// The mailbox page: plain HTML with no scripts; its one <style> element is allowed by hash
// (MAILBOX_CSP), nothing else. It looks like the SPA (same colours, light and dark, and
// type) and fits 320 px. Every value is escaped.
import { createHash } from 'node:crypto';
import type { OutboxMessage } from './emulator-outbox.js';

const STYLE = `
:root{color-scheme:light dark;--bg:#f6f7f9;--surface:#fff;--text:#1b1f24;--muted:#57606a;--border:#d0d7de;--accent:#1f5fd1;--accent-text:#fff;--danger-bg:#fff0f0;--danger:#a4141d;
font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;line-height:1.5;background:var(--bg);color:var(--text)}
@media (prefers-color-scheme:dark){:root{--bg:#0f1216;--surface:#181c22;--text:#e6e9ee;--muted:#9aa4b0;--border:#333a44;--accent:#6ea0ff;--accent-text:#0b1020;--danger-bg:#2c1416;--danger:#ff9ca1}}
*{box-sizing:border-box}body{margin:0}
header{max-width:44rem;margin:0 auto;padding:1rem 1.5rem 0}
header a{font-weight:700;letter-spacing:.02em;text-decoration:none}
main{max-width:44rem;margin:1rem auto 2rem;padding:1.5rem;background:var(--surface);border:1px solid var(--border);border-radius:10px;overflow-wrap:anywhere}
h1{font-size:1.5rem;margin:0 0 .5rem}
p{margin:.75rem 0}.muted{color:var(--muted);font-size:.92rem}
label{display:block;font-weight:600;margin:1rem 0 .25rem}
.row{display:flex;flex-wrap:wrap;gap:.5rem}
input{flex:1 1 16rem;min-width:0;font:inherit;padding:.6rem .75rem;border:1px solid var(--border);border-radius:8px;background:var(--bg);color:inherit}
button{font:inherit;font-weight:600;padding:.6rem 1.1rem;border-radius:8px;border:1px solid var(--accent);background:var(--accent);color:var(--accent-text);cursor:pointer}
:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
a{color:var(--accent)}
.alert{padding:.6rem .75rem;border-radius:8px;background:var(--danger-bg);color:var(--danger);border:1px solid currentColor}
table{width:100%;border-collapse:collapse;margin-top:1rem}
caption{text-align:left;font-weight:600;margin-bottom:.25rem}
th,td{text-align:left;padding:.5rem .5rem .5rem 0;border-bottom:1px solid var(--border);vertical-align:top}
td strong{font-size:1.25rem;letter-spacing:.15em;font-variant-numeric:tabular-nums}
@media (max-width:32rem){header{padding:.75rem 1rem 0}main{margin:.75rem 0 0;border-radius:0;border-inline:none;padding:1.25rem 1rem}}
`.trim();

/** The page's Content-Security-Policy: its own <style> element (by hash), a GET form, no more. */
export const MAILBOX_CSP =
  `default-src 'none'; style-src '${`sha256-${createHash('sha256').update(STYLE).digest('base64')}`}'; ` +
  "form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

export interface MailboxView {
  /** The address asked for, as typed (shown back in the form). */
  query: string;
  /** Set when the address was valid and the outbox was read. */
  messages?: OutboxMessage[];
  /** A sentence for the person, e.g. that the address is not valid. */
  notice?: string;
}

export function renderMailbox(view: MailboxView): string {
  const rows = (view.messages ?? [])
    .map(
      (m, i) =>
        `<tr><td><strong>${escapeHtml(m.code)}</strong>${i === 0 ? ' (newest: the only one that works)' : ''}</td>` +
        `<td><time datetime="${escapeHtml(m.sentAt)}">${escapeHtml(m.sentAt)}</time></td></tr>`,
    )
    .join('');
  const result =
    view.messages === undefined
      ? ''
      : view.messages.length === 0
        ? `<p>No code was sent to ${escapeHtml(view.query)}. Addresses that may not sign in never get one.</p>`
        : `<table><caption>Codes sent to ${escapeHtml(view.query)}</caption>` +
          `<thead><tr><th scope="col">Code</th><th scope="col">Sent at</th></tr></thead><tbody>${rows}</tbody></table>`;
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="color-scheme" content="light dark">',
    '<meta name="robots" content="noindex">',
    `<title>Local mailbox — Portcullis</title><style>${STYLE}</style></head><body>`,
    '<header><a href="/login">Portcullis</a></header>',
    '<main>',
    '<h1>Local mailbox</h1>',
    '<p class="muted">The API runs on the local Auth0 emulator (embedded mode), which sends no email. ',
    'The one-time codes it would have sent are listed here. This page does not exist with a real Auth0 tenant.</p>',
    '<form method="get" action="/api/dev/mailbox">',
    '<label for="email">Email address</label>',
    `<div class="row"><input id="email" name="email" type="email" autocomplete="email" spellcheck="false" value="${escapeHtml(view.query)}" required>`,
    '<button type="submit">Show codes</button></div></form>',
    view.notice ? `<p role="alert" class="alert">${escapeHtml(view.notice)}</p>` : '',
    result,
    '<p><a href="/login">Back to sign-in</a></p>',
    '</main>',
    '</body></html>',
  ].join('\n');
}
