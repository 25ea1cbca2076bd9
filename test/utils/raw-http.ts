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
