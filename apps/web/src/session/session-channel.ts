// Tells the other tabs of this origin what happened to the session: a sign-in or a sign-out.
// Carries no tokens or user data — only what happened. (Tokens are refreshed by the API, on
// the server, so there is nothing about refreshing to tell.)

export type SessionMessage = { type: 'signed-in' } | { type: 'signed-out' };

export interface SessionChannel {
  post(message: SessionMessage): void;
  /** Messages from other tabs (never this tab's own). Returns an unsubscribe function. */
  subscribe(listener: (message: SessionMessage) => void): () => void;
  close(): void;
}

export const SESSION_CHANNEL = 'portcullis:session';

/** Other tabs run the same code, but a message is still input: keep only the known shapes. */
export function parseSessionMessage(data: unknown): SessionMessage | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const { type } = data as { type?: unknown };
  if (type === 'signed-in' || type === 'signed-out') return { type };
  return undefined;
}

/** A BroadcastChannel, or a channel that goes nowhere where the browser has none. */
export function createSessionChannel(name = SESSION_CHANNEL): SessionChannel {
  if (typeof BroadcastChannel === 'undefined') {
    return { post: () => undefined, subscribe: () => () => undefined, close: () => undefined };
  }
  const channel = new BroadcastChannel(name);
  return {
    post: (message) => channel.postMessage(message),
    subscribe(listener) {
      const onMessage = (event: MessageEvent<unknown>) => {
        const message = parseSessionMessage(event.data);
        if (message) listener(message);
      };
      channel.addEventListener('message', onMessage);
      return () => channel.removeEventListener('message', onMessage);
    },
    close: () => channel.close(),
  };
}
