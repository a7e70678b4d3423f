import type { SessionChannel, SessionMessage } from '../src/session/session-channel';

export type FakeChannel = SessionChannel & { sent: SessionMessage[] };

/** In-memory stand-ins for the BroadcastChannel of several tabs: a post reaches the others. */
export function createChannels(count: number): FakeChannel[] {
  const listeners = Array.from({ length: count }, () => new Set<(m: SessionMessage) => void>());
  return listeners.map((own, index) => {
    const sent: SessionMessage[] = [];
    return {
      sent,
      post(message) {
        sent.push(message);
        listeners.forEach((set, i) => {
          if (i !== index) for (const fn of set) fn(message);
        });
      },
      subscribe(listener) {
        own.add(listener);
        return () => own.delete(listener);
      },
      close: () => own.clear(),
    };
  });
}
