import {
  Agent,
  request,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
} from 'node:http';

/** A complete response: status, headers and every body byte received. */
export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface SendOptions {
  body?: string | Buffer;
  headers?: OutgoingHttpHeaders;
}

/**
 * An HTTP/1.1 client over one keep-alive agent, so that thousands of requests reuse a few
 * connections (fetch's pool cannot be sized or closed from a test).
 */
export class HttpClient {
  readonly agent: Agent;
  private readonly host: string;
  private readonly port: number;

  /** `keepAlive: false` sends `Connection: close`, for a server that is shutting down. */
  constructor(url: string, { maxSockets = 64, keepAlive = true } = {}) {
    const { hostname, port } = new URL(url);
    this.host = hostname;
    this.port = Number(port);
    this.agent = new Agent({ keepAlive, maxSockets });
  }

  /** Sends a request and reads the whole response. */
  send(method: string, path: string, options: SendOptions = {}): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const headers = { ...options.headers };
      if (options.body !== undefined) headers['content-length'] = Buffer.byteLength(options.body);
      const req = request(
        { host: this.host, port: this.port, agent: this.agent, method, path, headers },
        (res) => readAll(res).then(resolve, reject),
      );
      req.on('error', reject);
      req.end(options.body);
    });
  }

  /**
   * Sends a request and reads what arrives until the connection ends, cleanly or not: `complete`
   * tells which; `status` is 0 when it closed before the response began. `abort()` disconnects.
   */
  start(
    method: string,
    path: string,
    options: SendOptions = {},
  ): { reply: Promise<Partial<Reply> & { body: Buffer; complete: boolean }>; abort(): void } {
    const headers = { ...options.headers };
    if (options.body !== undefined) headers['content-length'] = Buffer.byteLength(options.body);
    const req = request({
      host: this.host,
      port: this.port,
      agent: this.agent,
      method,
      path,
      headers,
    });
    const reply = new Promise<Partial<Reply> & { body: Buffer; complete: boolean }>((resolve) => {
      const chunks: Buffer[] = [];
      let status = 0;
      let headersIn: IncomingHttpHeaders | undefined;
      const done = (complete: boolean) =>
        resolve({ status, headers: headersIn, body: Buffer.concat(chunks), complete });
      let response: IncomingMessage | undefined;
      req.on('response', (res) => {
        response = res;
        status = res.statusCode!;
        headersIn = res.headers;
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => done(true));
        res.on('error', () => done(false));
        res.on('aborted', () => done(false));
      });
      req.on('error', () => done(false));
      // A complete response resolves at its 'end', whenever 'close' comes.
      req.on('close', () => {
        if (response?.complete !== true) done(false);
      });
    });
    req.end(options.body);
    return { reply, abort: () => req.destroy() };
  }

  /**
   * Sends a GET, reads `bytes` body bytes (proof that the handler ran and wrote them), then
   * disconnects. Resolves with the status and the bytes received, exactly `bytes` of them.
   */
  abortAfter(path: string, bytes: number): Promise<{ status: number; received: number }> {
    return new Promise((resolve, reject) => {
      const req = request({ host: this.host, port: this.port, agent: this.agent, path }, (res) => {
        let received = 0;
        res.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (received < bytes) return;
          req.destroy();
          if (received === bytes) resolve({ status: res.statusCode!, received });
          else reject(new Error(`received ${received} bytes, more than the ${bytes} expected`));
        });
        res.on('end', () => reject(new Error(`the response ended after ${received} bytes`)));
        res.on('error', () => {}); // the disconnect itself
      });
      req.on('error', reject); // once settled, the disconnect's own error changes nothing
      req.end();
    });
  }

  /** Closes every connection of the pool. */
  close(): void {
    this.agent.destroy();
  }
}

/** Reads a response to its end. */
export function readAll(res: IncomingMessage): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.on('end', () =>
      resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }),
    );
    res.on('error', reject);
    res.on('aborted', () => reject(new Error('response aborted')));
  });
}
