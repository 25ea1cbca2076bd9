import { connect } from 'node:net';

/** A response read off the socket: status, lower-cased headers, body as sent (UTF-8). */
export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Sends `head` (a request line and header lines, without the blank line ending them) exactly as
 * given, as bytes, on a connection of its own, with `Connection: close` added, and reads the
 * response until the server closes. For what an HTTP client library will not send: header bytes
 * that are not latin1 text, or a request target in absolute form.
 */
export function rawRequest(port: number, head: (string | Buffer)[]): Promise<RawResponse> {
  const lines = [...head, 'Connection: close', '', ''].map((line) =>
    typeof line === 'string' ? Buffer.from(line, 'latin1') : line,
  );
  const request = Buffer.concat(lines.flatMap((line, i) => (i === 0 ? [line] : [CRLF, line])));
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const all = Buffer.concat(received);
      const end = all.indexOf('\r\n\r\n');
      if (end < 0) return reject(new Error(`no HTTP response: ${JSON.stringify(String(all))}`));
      const [statusLine, ...headerLines] = all.subarray(0, end).toString('latin1').split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of headerLines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({
        status: Number(statusLine.split(' ')[1]),
        headers,
        body: all.subarray(end + 4).toString('utf8'),
      });
    });
  });
}

const CRLF = Buffer.from('\r\n');

/** What a raw exchange received, and whether the server closed the connection. */
export interface RawReply {
  bytes: Buffer;
  closed: boolean;
}

export interface RawExchangeOptions {
  /** Resolve once this many complete responses arrived (default: when the server closes). */
  responses?: number;
  /** The request methods in order, so that the answers to HEAD are read without a body. */
  methods?: string[];
  /** Writes these after the first bytes of an answer arrived (a request sent in two parts). */
  then?: string | Buffer;
  /** Give up waiting after this long, resolving with what came (default 5 s). */
  timeoutMs?: number;
}

/**
 * Opens a connection to `port`, writes `data` exactly as given and collects every byte the server
 * sends, until it closes the connection or the expected number of responses is complete.
 */
export function rawExchange(
  port: number,
  data: string | Buffer,
  options: RawExchangeOptions = {},
): Promise<RawReply> {
  const { responses, methods = [], then, timeoutMs = 5_000 } = options;
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let settled = false;
    let sentRest = then === undefined;
    const settle = (closed: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ bytes: Buffer.concat(chunks), closed });
    };
    const timer = setTimeout(() => settle(false), timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      if (!sentRest) {
        sentRest = true;
        socket.write(then!);
      }
      if (responses !== undefined && countResponses(Buffer.concat(chunks), methods) >= responses)
        settle(false);
    });
    socket.on('error', () => {});
    socket.on('close', () => settle(true));
    socket.write(data);
  });
}

/**
 * How many complete HTTP/1 responses `bytes` holds: informational answers (`100 Continue`) are
 * skipped; `101 Switching Protocols` ends the HTTP part; a body runs by Content-Length or chunked
 * framing; the answers to HEAD, 204 and 304 have none; a body delimited by the close of the
 * connection is never complete here.
 */
export function countResponses(bytes: Buffer, methods: string[] = []): number {
  let offset = 0;
  let count = 0;
  for (;;) {
    const headEnd = bytes.indexOf('\r\n\r\n', offset);
    if (headEnd === -1) return count;
    const head = bytes.subarray(offset, headEnd).toString('latin1');
    const status = Number(/^HTTP\/\d\.\d (\d{3})/.exec(head)?.[1]);
    if (!status) return count;
    let at = headEnd + 4;
    if (status === 101) return count + 1;
    if (status >= 100 && status < 200) {
      offset = at;
      continue;
    }
    const header = (name: string) =>
      new RegExp(`\r\n${name}:[ \t]*([^\r\n]*)`, 'i').exec(head)?.[1]?.trim();
    const method = methods[count];
    if (method !== 'HEAD' && status !== 204 && status !== 304) {
      if (/chunked/i.test(header('transfer-encoding') ?? '')) {
        for (;;) {
          const lineEnd = bytes.indexOf('\r\n', at);
          if (lineEnd === -1) return count;
          const size = parseInt(bytes.subarray(at, lineEnd).toString('latin1'), 16);
          at = lineEnd + 2;
          if (size === 0) {
            // Trailers, then an empty line.
            const end = bytes.indexOf('\r\n\r\n', at - 2);
            if (end === -1) return count;
            at = end + 4;
            break;
          }
          at += size + 2;
          if (at > bytes.length) return count;
        }
      } else {
        const length = header('content-length');
        if (length === undefined) return count;
        at += Number(length);
        if (at > bytes.length) return count;
      }
    }
    count++;
    offset = at;
  }
}
