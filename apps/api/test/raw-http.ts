// HTTP/1.1 over a plain socket, for tests that need bytes no HTTP client sends: paths the
// URL parser would normalise, malformed requests, bodies that trickle in. Waits on socket
// events with a deadline; never sleeps to wait for state.
import { connect, type Socket } from 'node:net';

export interface RawReply {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The parsed body when it is JSON. */
  json: any;
}

/** Parses the first response in `text`, or undefined when it is not all there yet. */
export function parseResponse(text: string): RawReply | undefined {
  return parseOne(text)?.reply;
}

/** Every complete response in `text`, in order (pipelined or kept-alive requests). */
export function parseResponses(text: string): RawReply[] {
  const replies: RawReply[] = [];
  let rest = text;
  for (let next = parseOne(rest); next; next = parseOne(rest)) {
    replies.push(next.reply);
    rest = rest.slice(next.length);
  }
  return replies;
}

/** `text` holds bytes as latin1 characters (one per byte), as `open` collects them. */
function parseOne(text: string): { reply: RawReply; length: number } | undefined {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1]);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let at = end + 4;
  let bytes = '';
  if (headers['transfer-encoding'] === 'chunked') {
    for (;;) {
      const eol = text.indexOf('\r\n', at);
      if (eol < 0) return undefined;
      const size = parseInt(text.slice(at, eol), 16);
      if (text.length < eol + 2 + size + 2) return undefined;
      bytes += text.slice(eol + 2, eol + 2 + size);
      at = eol + 2 + size + 2;
      if (size === 0) break;
    }
  } else {
    const length = Number(headers['content-length'] ?? 0);
    if (text.length < at + length) return undefined;
    bytes = text.slice(at, at + length);
    at += length;
  }
  const body = Buffer.from(bytes, 'latin1').toString('utf8');
  let json: unknown;
  if (/json/.test(headers['content-type'] ?? '') && body) json = JSON.parse(body);
  return { reply: { status, headers, body, json }, length: at };
}

/** A socket to `base`, with everything it receives and a promise of its closing. */
export interface RawConnection {
  socket: Socket;
  received(): string;
  closed: Promise<void>;
  /** Resolves with the first complete response, or rejects past `timeoutMs`. */
  response(timeoutMs?: number): Promise<RawReply>;
  destroy(): void;
}

export async function open(base: string): Promise<RawConnection> {
  const { hostname, port } = new URL(base);
  const socket = connect(Number(port), hostname);
  let data = '';
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const w of waiters) w();
  };
  socket.on('data', (chunk: Buffer) => {
    data += chunk.toString('latin1');
    notify();
  });
  const closed = new Promise<void>((resolve) =>
    socket.on('close', () => {
      resolve();
      notify();
    }),
  );
  socket.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('close', () => reject(new Error('connection closed before it opened')));
  });
  return {
    socket,
    received: () => data,
    closed,
    response: (timeoutMs = 5000) =>
      new Promise<RawReply>((resolve, reject) => {
        const check = () => {
          const reply = parseResponse(data);
          if (reply) done(() => resolve(reply));
          else if (socket.destroyed) done(() => reject(new Error(`closed after: ${data}`)));
        };
        const timer = setTimeout(
          () => done(() => reject(new Error(`no response in ${timeoutMs} ms`))),
          timeoutMs,
        );
        const done = (settle: () => void) => {
          clearTimeout(timer);
          waiters.delete(check);
          settle();
        };
        waiters.add(check);
        check();
      }),
    destroy: () => socket.destroy(),
  };
}

/** Sends `text` on a new connection and returns the response. */
export async function rawRequest(base: string, text: string): Promise<RawReply> {
  const conn = await open(base);
  try {
    conn.socket.write(text);
    return await conn.response();
  } finally {
    conn.destroy();
  }
}
