// The mailbox page: plain HTML with no scripts and no inline styles, so it needs nothing
// from a Content-Security-Policy. Every value is escaped.
import type { OutboxMessage } from './emulator-outbox.js';

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
    '<meta name="robots" content="noindex">',
    '<title>Local mailbox — Portcullis</title></head><body>',
    '<h1>Local mailbox</h1>',
    '<p>The API runs on the local Auth0 emulator (embedded mode), which sends no email. ',
    'The one-time codes it would have sent are listed here. This page does not exist with a real Auth0 tenant.</p>',
    '<form method="get" action="/api/dev/mailbox">',
    '<label for="email">Email address</label> ',
    `<input id="email" name="email" type="email" autocomplete="email" value="${escapeHtml(view.query)}" required> `,
    '<button type="submit">Show codes</button></form>',
    view.notice ? `<p role="alert">${escapeHtml(view.notice)}</p>` : '',
    result,
    '<p><a href="/login">Back to sign-in</a></p>',
    '</body></html>',
  ].join('\n');
}
