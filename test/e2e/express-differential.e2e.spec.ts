import { createHmac } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { IncomingMessage, ServerResponse } from 'node:http';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import {
  BIG_TEXT,
  MODULE_MODES,
  SECRET,
  SERVED_FILE,
  STREAM_CHUNKS,
  startExpressDifferentialApp,
  type ModuleMode,
} from '../fixtures/nest/express-differential.module';
import type { RunningApp } from '../utils/nest-app';
import { countResponses, rawExchange } from '../utils/raw-http';
import { sampleValue, workHandlerCounts } from '../utils/scrape';
import { classesOf } from '../utils/server-classes';
import { until } from '../utils/until';

// The module changes how an Express app's server builds its requests and responses; what the
// app sends must not change. Every exchange below goes, as the same raw bytes, to the app without
// the module, with it, and with it keeping Node's classes: the answers must be the same bytes.

const FILE = readFileSync(SERVED_FILE, 'latin1');
const FILE_SIZE = FILE.length;
const FILE_MTIME = statSync(SERVED_FILE).mtime;
/** `send`'s weak ETag: size and modification time, in hex. */
const ETAG = `W/"${FILE_SIZE.toString(16)}-${FILE_MTIME.getTime().toString(16)}"`;

/**
 * A request: its line, `Host`, the header lines given, `Content-Length` for a body without one
 * (nor chunked framing), `Connection: close` unless a `Connection` is given, then the body.
 */
function request(line: string, headers: string[] = [], body = ''): string {
  const has = (name: string) => headers.some((header) => header.toLowerCase().startsWith(name));
  const length =
    body && !has('content-length:') && !has('transfer-encoding:')
      ? [`Content-Length: ${Buffer.byteLength(body)}`]
      : [];
  const connection = has('connection:') ? [] : ['Connection: close'];
  return [line, 'Host: x', ...headers, ...length, ...connection, '', body].join('\r\n');
}

const get = (target: string, ...headers: string[]) => request(`GET ${target} HTTP/1.1`, headers);
const head = (target: string, ...headers: string[]) => request(`HEAD ${target} HTTP/1.1`, headers);
const KEEP_ALIVE = 'Connection: keep-alive';
const JSON_TYPE = 'Content-Type: application/json';

const BOUNDARY = 'differential-boundary';
const UPLOADED = 'uploaded file content\n'.repeat(20);
const MULTIPART = [
  `--${BOUNDARY}`,
  'Content-Disposition: form-data; name="title"',
  '',
  'holiday',
  `--${BOUNDARY}`,
  'Content-Disposition: form-data; name="file"; filename="notes.txt"',
  'Content-Type: text/plain',
  '',
  UPLOADED,
  `--${BOUNDARY}--`,
  '',
].join('\r\n');

/** A cookie signed as cookie-parser (and cookie-signature) signs it, URL-encoded. */
function signedCookie(value: string): string {
  const signature = createHmac('sha256', SECRET).update(value).digest('base64').replace(/=+$/, '');
  return encodeURIComponent(`s:${value}.${signature}`);
}

interface Exchange {
  name: string;
  /** The bytes sent; a function gets the same app's answer to the exchange before. */
  data: string | Buffer | ((previous: string) => string);
  /** Complete responses to wait for where the server keeps the connection open. */
  responses?: number;
  /** The methods of pipelined requests, for the answers to HEAD. */
  methods?: string[];
  /** Sent once the first bytes of the answer came (the body after `100 Continue`). */
  then?: string;
  /** What the answer (the same in every mode) must hold. */
  check?: (answer: string) => void;
}

/** The status line of the first answer. */
const statusOf = (answer: string) => answer.slice(0, answer.indexOf('\r\n'));

/** The body of the one answer, its chunked framing undone. */
function bodyOf(answer: string): Buffer {
  const end = answer.indexOf('\r\n\r\n');
  const body = Buffer.from(answer.slice(end + 4), 'latin1');
  if (!/\r\nTransfer-Encoding: chunked\r\n/i.test(answer.slice(0, end + 2))) return body;
  const parts: Buffer[] = [];
  for (let at = 0; ;) {
    const lineEnd = body.indexOf('\r\n', at);
    const size = parseInt(body.subarray(at, lineEnd).toString('latin1'), 16);
    if (size === 0) return Buffer.concat(parts);
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}

const expectStatus = (status: string, body?: string) => (answer: string) => {
  expect(statusOf(answer)).toBe(`HTTP/1.1 ${status}`);
  if (body !== undefined) expect(bodyOf(answer).toString()).toBe(body);
};

/** A 304: the ETag and no body at all. */
const notModified = (answer: string) => {
  expect(statusOf(answer)).toBe('HTTP/1.1 304 Not Modified');
  expect(answer).toContain(`\r\nETag: ${ETAG}\r\n`);
  expect(answer.endsWith('\r\n\r\n')).toBe(true);
};

const PIPELINED_METHODS = ['GET', 'HEAD', 'GET', 'POST', 'GET', 'GET'];

const EXCHANGES: Exchange[] = [
  // Plain answers, kept alive or not, compressed or not.
  { name: 'GET /hello', data: get('/hello'), check: expectStatus('200 OK', '{"hello":"world"}') },
  { name: 'GET /hello kept alive', data: get('/hello', KEEP_ALIVE), responses: 1 },
  {
    name: 'GET /hello?query with gzip (below the threshold)',
    data: get('/hello?x=1&y[]=2', 'Accept-Encoding: gzip'),
  },
  {
    name: 'GET /big with gzip',
    data: get('/big', 'Accept-Encoding: gzip'),
    check: (answer) => {
      expect(answer).toContain('\r\nContent-Encoding: gzip\r\n');
      expect(gunzipSync(bodyOf(answer)).toString()).toBe(BIG_TEXT);
    },
  },
  {
    name: 'GET /big with deflate',
    data: get('/big', 'Accept-Encoding: deflate'),
    check: (answer) => expect(inflateSync(bodyOf(answer)).toString()).toBe(BIG_TEXT),
  },
  {
    name: 'GET /big without Accept-Encoding',
    data: get('/big'),
    check: expectStatus('200 OK', BIG_TEXT),
  },
  {
    name: 'GET /big with Accept-Encoding: identity',
    data: get('/big', 'Accept-Encoding: identity'),
  },
  {
    name: 'HEAD /hello',
    data: head('/hello'),
    check: (answer) => {
      expect(answer).toMatch(/^HTTP\/1\.1 200 OK\r\n.*\r\nContent-Length: 17\r\n/s);
      expect(answer.endsWith('\r\n\r\n')).toBe(true);
    },
  },
  { name: 'HEAD /big with gzip', data: head('/big', 'Accept-Encoding: gzip') },
  { name: 'OPTIONS /hello', data: request('OPTIONS /hello HTTP/1.1') },
  { name: 'OPTIONS *', data: request('OPTIONS * HTTP/1.1') },
  { name: 'GET an absolute-form target', data: get('http://x/hello') },
  {
    name: 'GET with a body',
    data: request('GET /hello HTTP/1.1', [JSON_TYPE], '{"ignored":true}'),
  },

  // Bodies.
  {
    name: 'POST /echo JSON',
    data: request('POST /echo HTTP/1.1', [JSON_TYPE], '{"text":"héllo","n":[1,2]}'),
    check: expectStatus('201 Created', '{"text":"héllo","n":[1,2]}'),
  },
  {
    name: 'POST /echo invalid JSON',
    data: request('POST /echo HTTP/1.1', [JSON_TYPE], '{"text": nope}'),
    check: expectStatus('400 Bad Request'),
  },
  {
    name: 'POST /echo urlencoded',
    data: request(
      'POST /echo HTTP/1.1',
      ['Content-Type: application/x-www-form-urlencoded'],
      'a=1&b=two',
    ),
  },
  {
    name: 'POST /echo chunked',
    data: request(
      'POST /echo HTTP/1.1',
      [JSON_TYPE, 'Transfer-Encoding: chunked'],
      '5\r\n{"a":\r\n3\r\n12}\r\n0\r\n\r\n',
    ),
    check: expectStatus('201 Created', '{"a":12}'),
  },
  {
    name: 'POST /echo with Expect: 100-continue',
    data: request('POST /echo HTTP/1.1', [JSON_TYPE, 'Content-Length: 7', 'Expect: 100-continue']),
    then: '{"b":2}',
    check: (answer) => expect(answer).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 201 /),
  },
  {
    name: 'POST /echo with an unknown Expect',
    data: request('POST /echo HTTP/1.1', [JSON_TYPE, 'Expect: teapot'], '{}'),
  },
  {
    name: 'POST /echo over the body limit (100 KB)',
    data: request('POST /echo HTTP/1.1', [JSON_TYPE], `{"pad":"${'p'.repeat(110_000)}"}`),
    check: expectStatus('413 Payload Too Large'),
  },
  { name: 'PUT /echo (no such route)', data: request('PUT /echo HTTP/1.1', [JSON_TYPE], '{}') },

  // Errors and 404s.
  { name: 'GET /nowhere (404)', data: get('/nowhere'), check: expectStatus('404 Not Found') },
  { name: 'GET /hello%2F.. (404)', data: get('/hello%2F..') },
  { name: 'HEAD /nowhere', data: head('/nowhere') },
  {
    name: 'GET /forbidden (HttpException)',
    data: get('/forbidden'),
    check: expectStatus(
      '403 Forbidden',
      '{"message":"not for you","error":"Forbidden","statusCode":403}',
    ),
  },
  {
    name: 'GET /fail (Error: 500)',
    data: get('/fail'),
    check: expectStatus(
      '500 Internal Server Error',
      '{"statusCode":500,"message":"Internal server error"}',
    ),
  },
  { name: 'GET /fail-later (rejection: 500)', data: get('/fail-later', 'Accept-Encoding: gzip') },

  // Redirects.
  {
    name: 'GET /redirect/found (@Redirect 302)',
    data: get('/redirect/found'),
    check: (answer) =>
      expect(answer).toMatch(/^HTTP\/1\.1 302 Found\r\n.*\r\nLocation: \/hello\r\n/s),
  },
  { name: 'GET /redirect/moved (@Redirect 301)', data: get('/redirect/moved') },
  { name: 'GET /redirect/chosen (307 from the handler)', data: get('/redirect/chosen?to=big') },
  { name: 'GET /redirect/by-hand (res.redirect)', data: get('/redirect/by-hand') },
  {
    name: 'GET /redirect/by-hand accepting HTML',
    data: get('/redirect/by-hand', 'Accept: text/html'),
  },
  { name: 'HEAD /redirect/by-hand', data: head('/redirect/by-hand') },

  // res.sendFile: ranges and conditional requests.
  {
    name: 'GET /file',
    data: get('/file'),
    check: (answer) => {
      expect(answer).toContain(`\r\nETag: ${ETAG}\r\n`);
      expect(answer).toContain(`\r\nLast-Modified: ${FILE_MTIME.toUTCString()}\r\n`);
      expect(bodyOf(answer).toString('latin1')).toBe(FILE);
    },
  },
  {
    name: 'GET /file with gzip',
    data: get('/file', 'Accept-Encoding: gzip'),
    check: (answer) => expect(gunzipSync(bodyOf(answer)).toString('latin1')).toBe(FILE),
  },
  {
    name: 'GET /file with gzip, deflate, br (brotli chosen)',
    data: get('/file', 'Accept-Encoding: gzip, deflate, br'),
    check: (answer) => {
      expect(answer).toContain('\r\nContent-Encoding: br\r\n');
      expect(brotliDecompressSync(bodyOf(answer)).toString('latin1')).toBe(FILE);
    },
  },
  {
    name: 'GET /file with Range: bytes=0-9',
    data: get('/file', 'Range: bytes=0-9'),
    check: (answer) => {
      expect(statusOf(answer)).toBe('HTTP/1.1 206 Partial Content');
      expect(answer).toContain(`\r\nContent-Range: bytes 0-9/${FILE_SIZE}\r\n`);
      expect(bodyOf(answer).toString('latin1')).toBe(FILE.slice(0, 10));
    },
  },
  {
    name: 'GET /file with a suffix range',
    data: get('/file', 'Range: bytes=-5'),
    check: expectStatus('206 Partial Content', FILE.slice(-5)),
  },
  {
    name: 'GET /file with an open range, gzip',
    data: get('/file', 'Range: bytes=2100-', 'Accept-Encoding: gzip'),
  },
  // `send` answers several ranges with the whole file.
  { name: 'GET /file with two ranges', data: get('/file', 'Range: bytes=0-4,100-109') },
  { name: 'GET /file with ranges it combines', data: get('/file', 'Range: bytes=0-4,5-9') },
  {
    name: 'GET /file with an unsatisfiable range',
    data: get('/file', 'Range: bytes=5000-6000'),
    check: (answer) => {
      expect(statusOf(answer)).toBe('HTTP/1.1 416 Range Not Satisfiable');
      expect(answer).toContain(`\r\nContent-Range: bytes */${FILE_SIZE}\r\n`);
    },
  },
  { name: 'GET /file with a malformed range', data: get('/file', 'Range: lines=1-2') },
  {
    name: 'GET /file with If-Range matching',
    data: get('/file', 'Range: bytes=10-19', `If-Range: ${ETAG}`),
  },
  {
    name: 'GET /file with If-Range not matching',
    data: get('/file', 'Range: bytes=10-19', 'If-Range: "other"'),
  },
  {
    name: 'GET /file with If-None-Match (304)',
    data: get('/file', `If-None-Match: ${ETAG}`),
    check: notModified,
  },
  {
    name: 'GET /file with If-Modified-Since (304)',
    data: get('/file', `If-Modified-Since: ${FILE_MTIME.toUTCString()}`),
    check: notModified,
  },
  {
    name: 'GET /file with If-None-Match not matching',
    data: get('/file', 'If-None-Match: "stale"'),
  },
  { name: 'HEAD /file', data: head('/file') },
  {
    name: 'GET /no-file (sendFile fails)',
    data: get('/no-file'),
    check: expectStatus('404 Not Found'),
  },

  // Streaming.
  {
    name: 'GET /written (res.write chunks)',
    data: get('/written'),
    check: expectStatus('200 OK', `${STREAM_CHUNKS.join('')}.`),
  },
  {
    name: 'GET /trickle (async chunks)',
    data: get('/trickle'),
    check: expectStatus('200 OK', STREAM_CHUNKS.join('')),
  },
  { name: 'GET /trickle with gzip', data: get('/trickle', 'Accept-Encoding: gzip') },
  {
    name: 'GET /streamable (StreamableFile)',
    data: get('/streamable'),
    check: expectStatus('200 OK', STREAM_CHUNKS.join('')),
  },
  { name: 'GET /streamable-file (StreamableFile of the file)', data: get('/streamable-file') },
  { name: 'HEAD /streamable', data: head('/streamable') },

  // Cookies and sessions.
  {
    name: 'GET /cookies (plain, JSON, signed and forged)',
    data: get(
      '/cookies',
      `Cookie: plain=1; json=j%3A%7B%22a%22%3A1%7D; signed=${signedCookie('hello')}; forged=s%3Ahello.bad`,
    ),
    check: expectStatus(
      '200 OK',
      '{"cookies":{"plain":"1","json":{"a":1}},"signed":{"signed":"hello","forged":false}}',
    ),
  },
  {
    name: 'GET /visits (a new session)',
    data: get('/visits'),
    check: (answer) => {
      expect(answer).toMatch(
        /\r\nSet-Cookie: connect\.sid=s%3Asession-\d+\.[^;]+; Path=\/; HttpOnly\r\n/,
      );
      expect(bodyOf(answer).toString()).toBe('{"visits":1}');
    },
  },
  {
    name: 'GET /visits again with its cookie',
    data: (previous) =>
      get('/visits', `Cookie: ${/\r\nSet-Cookie: (connect\.sid=[^;]+)/.exec(previous)![1]}`),
    check: (answer) => {
      expect(answer).not.toContain('Set-Cookie');
      expect(bodyOf(answer).toString()).toBe('{"visits":2}');
    },
  },

  // Uploads.
  {
    name: 'POST /upload (multipart: a file and a field)',
    data: request(
      'POST /upload HTTP/1.1',
      [`Content-Type: multipart/form-data; boundary=${BOUNDARY}`],
      MULTIPART,
    ),
    check: expectStatus(
      '201 Created',
      `{"name":"notes.txt","type":"text/plain","size":${UPLOADED.length},"fields":{"title":"holiday"}}`,
    ),
  },
  {
    name: 'POST /upload chunked, with 100-continue',
    data: request('POST /upload HTTP/1.1', [
      `Content-Type: multipart/form-data; boundary=${BOUNDARY}`,
      'Transfer-Encoding: chunked',
      'Expect: 100-continue',
    ]),
    then: `${Buffer.byteLength(MULTIPART).toString(16)}\r\n${MULTIPART}\r\n0\r\n\r\n`,
  },
  {
    name: 'POST /upload without a boundary',
    data: request('POST /upload HTTP/1.1', ['Content-Type: multipart/form-data'], MULTIPART),
  },

  // Upgrades and CONNECT.
  {
    name: 'GET /hello asking for a WebSocket upgrade',
    data: get(
      '/hello',
      'Connection: Upgrade',
      'Upgrade: websocket',
      'Sec-WebSocket-Version: 13',
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
    ),
    responses: 1,
  },
  {
    name: 'GET /hello asking for h2c',
    data: get(
      '/hello',
      'Connection: Upgrade, HTTP2-Settings',
      'Upgrade: h2c',
      'HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA',
    ),
    responses: 1,
  },
  {
    name: 'CONNECT (a tunnel)',
    data: 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n',
    check: (answer) =>
      expect(answer).toBe(
        'HTTP/1.1 200 Connection Established\r\n\r\n' +
          '{"method":"CONNECT","url":"example.com:443","express":false}',
      ),
  },

  // Malformed requests: Node answers them itself.
  { name: 'a bad request line', data: 'GARBAGE\r\n\r\n', check: expectStatus('400 Bad Request') },
  { name: 'an unknown HTTP version', data: 'GET /hello HTTP/9.9\r\nHost: x\r\n\r\n' },
  { name: 'a lower-case method', data: 'get /hello HTTP/1.1\r\nHost: x\r\n\r\n' },
  { name: 'no Host header', data: 'GET /hello HTTP/1.1\r\nConnection: close\r\n\r\n' },
  {
    name: 'a control character in a header value',
    data: get('/hello', 'X-Bad: a\x01b'),
    check: expectStatus('400 Bad Request'),
  },
  { name: 'a header name with a space', data: get('/hello', 'X Bad: 1') },
  {
    name: 'a non-ASCII header value',
    data: Buffer.concat([
      Buffer.from('GET /hello HTTP/1.1\r\nHost: x\r\nX-Name: caf'),
      Buffer.from([0xe9]),
      Buffer.from('\r\nConnection: close\r\n\r\n'),
    ]),
  },
  {
    name: 'bad chunked framing',
    data: request(
      'POST /echo HTTP/1.1',
      [JSON_TYPE, 'Transfer-Encoding: chunked'],
      'zz\r\n{}\r\n0\r\n\r\n',
    ),
    check: expectStatus('400 Bad Request'),
  },
  {
    name: 'Content-Length with Transfer-Encoding',
    data: request(
      'POST /echo HTTP/1.1',
      [JSON_TYPE, 'Content-Length: 2', 'Transfer-Encoding: chunked'],
      '2\r\n{}\r\n0\r\n\r\n',
    ),
    check: expectStatus('400 Bad Request'),
  },
  {
    name: 'two different Content-Lengths',
    data: request(
      'POST /echo HTTP/1.1',
      [JSON_TYPE, 'Content-Length: 2', 'Content-Length: 3'],
      '{}',
    ),
  },
  {
    name: 'headers over 16 KB',
    data: get('/hello', `X-Big: ${'h'.repeat(17_000)}`),
    check: expectStatus('431 Request Header Fields Too Large'),
  },

  // Pipelining.
  {
    name: 'six pipelined requests, HEAD among them',
    data:
      get('/hello', KEEP_ALIVE) +
      head('/hello', KEEP_ALIVE) +
      get('/file', 'Range: bytes=0-9', KEEP_ALIVE) +
      request('POST /echo HTTP/1.1', [JSON_TYPE, KEEP_ALIVE], '{"n":4}') +
      get('/trickle', KEEP_ALIVE) +
      get('/redirect/found', KEEP_ALIVE),
    responses: 6,
    methods: PIPELINED_METHODS,
    check: (answer) =>
      expect(countResponses(Buffer.from(answer, 'latin1'), PIPELINED_METHODS)).toBe(6),
  },
  {
    name: 'pipelined requests, the last closing',
    data: get('/hello', KEEP_ALIVE) + head('/file', KEEP_ALIVE) + get('/streamable'),
    check: (answer) => expect(answer.match(/HTTP\/1\.1 200 OK\r\n/g)).toHaveLength(3),
  },
  {
    name: 'pipelined requests with errors and a session',
    data:
      get('/fail', KEEP_ALIVE) +
      get('/nowhere', KEEP_ALIVE) +
      get('/visits', KEEP_ALIVE) +
      get('/forbidden'),
  },
  {
    // Node answers the malformed one and closes before the first request's answer is ready.
    name: 'a pipelined request before and after a malformed one',
    data: get('/hello', KEEP_ALIVE) + 'GARBAGE\r\n\r\n' + get('/hello'),
    check: (answer) => expect(answer).toBe('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n'),
  },

  // HTTP/1.0.
  {
    name: 'HTTP/1.0 GET /hello',
    data: 'GET /hello HTTP/1.0\r\n\r\n',
    check: expectStatus('200 OK', '{"hello":"world"}'),
  },
  {
    name: 'HTTP/1.0 GET /hello kept alive',
    data: 'GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n',
    responses: 1,
  },
  {
    name: 'HTTP/1.0 GET /trickle (no chunked framing)',
    data: 'GET /trickle HTTP/1.0\r\n\r\n',
    check: (answer) => {
      expect(answer).not.toContain('Transfer-Encoding');
      expect(answer.endsWith(`\r\n\r\n${STREAM_CHUNKS.join('')}`)).toBe(true);
    },
  },
  {
    name: 'HTTP/1.0 GET /file with a range',
    data: 'GET /file HTTP/1.0\r\nRange: bytes=0-9\r\n\r\n',
  },
  { name: 'HTTP/1.0 HEAD /file', data: 'HEAD /file HTTP/1.0\r\n\r\n' },
  {
    name: 'HTTP/1.0 POST /echo',
    data: `POST /echo HTTP/1.0\r\n${JSON_TYPE}\r\nContent-Length: 2\r\n\r\n{}`,
  },
];

/**
 * An answer with what differs between any two runs masked: the `Date` header. Nothing else does
 * (the file's ETag and Last-Modified are the same file's; session ids come from a counter). Read
 * as latin1: one character per byte, so that a string comparison compares bytes.
 */
function masked(bytes: Buffer): string {
  return bytes.toString('latin1').replace(/\r\nDate: [^\r\n]*/g, '\r\nDate: <date>');
}

/** The scrape, with the one figure that depends on timing (the durations' sum) masked. */
async function scrapeOf(app: RunningApp): Promise<string> {
  const text = (await app.get('/metrics')).text;
  return text.replace(/^(dynamo_component_request_duration_seconds_sum\{.*\}) \S+$/gm, '$1 <sum>');
}

/** Sums every sample of `metric` in a scrape. */
const total = (text: string, metric: string) =>
  text
    .split('\n')
    .filter((line) => line.startsWith(`${metric}{`))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);

describe('an Express app with the usual middleware answers the same bytes with the module on, off, or keeping Node classes', () => {
  const apps = new Map<ModuleMode, RunningApp>();
  const previous = new Map<ModuleMode, string>();
  beforeAll(async () => {
    for (const mode of MODULE_MODES) apps.set(mode, await startExpressDifferentialApp(mode));
  });
  afterAll(async () => {
    for (const app of apps.values()) await app.close();
  });

  it('sends at least 50 distinct exchanges', () => {
    expect(new Set(EXCHANGES.map((exchange) => exchange.name)).size).toBe(EXCHANGES.length);
    expect(EXCHANGES.length).toBeGreaterThanOrEqual(50);
  });

  it("builds requests and responses with the module's classes only when it is on", () => {
    const nodeClasses = (mode: ModuleMode) => {
      const [Request, Response] = classesOf(apps.get(mode)!.app.getHttpServer() as object);
      return [Request === IncomingMessage, Response === ServerResponse];
    };
    expect(nodeClasses('off')).toEqual([true, true]);
    expect(nodeClasses('on')).toEqual([false, false]);
    expect(nodeClasses('replaceServerClasses: false')).toEqual([true, true]);
  });

  it.each(EXCHANGES)('$name', async ({ data, responses, methods, then, check }) => {
    const answers = await Promise.all(
      MODULE_MODES.map(async (mode) => {
        const port = Number(new URL(apps.get(mode)!.url).port);
        const bytes = typeof data === 'function' ? data(previous.get(mode)!) : data;
        const reply = await rawExchange(port, bytes, {
          responses,
          methods,
          then,
          timeoutMs: 2_000,
        });
        // Complete: closed by the server, or the responses waited for all came.
        expect(reply.closed || countResponses(reply.bytes, methods) >= responses!).toBe(true);
        previous.set(mode, reply.bytes.toString('latin1'));
        return masked(reply.bytes);
      }),
    );
    const [off, on, kept] = answers;
    expect(on).toEqual(off);
    expect(kept).toEqual(off);
    check?.(off);
  });

  it('the module counted the same requests, exactly, with or without replacing the classes', async () => {
    const scrapes = [apps.get('on')!, apps.get('replaceServerClasses: false')!];
    // Every request recorded: none in flight, a duration for each.
    for (const app of scrapes) {
      await until(async () => {
        const text = await scrapeOf(app);
        return (
          total(text, 'dynamo_component_inflight_requests') === 0 &&
          total(text, 'dynamo_component_request_duration_seconds_count') ===
            total(text, 'dynamo_component_requests_total')
        );
      }, 'every request recorded');
    }
    const [on, kept] = await Promise.all(scrapes.map(scrapeOf));
    expect(kept).toBe(on);
    const site = (endpoint: string) => ({ dynamo_component: 'site', dynamo_endpoint: endpoint });
    const counts = (endpoint: string) => workHandlerCounts(on, site(endpoint));
    const errors = (endpoint: string, type: string) =>
      sampleValue(on, 'dynamo_component_errors_total', { ...site(endpoint), error_type: type });
    // GET or HEAD: 15 requests reached /hello (those Node rejected did not); 12 answers of 17
    // bytes went out (not those to HEAD, nor the one whose connection Node closed: cancelled).
    expect(counts('hello')).toMatchObject({ requests: 15, responseBytes: 12 * 17, cancelled: 1 });
    expect(counts('file').requests).toBe(20);
    expect(counts('visits').requests).toBe(3);
    expect(counts('upload').requests).toBe(3);
    expect(errors('upload', 'invalid_message')).toBe(1);
    // Bad chunked framing reached the route, then lost its connection; invalid JSON and too
    // large a body failed to parse.
    expect(counts('echo')).toMatchObject({ requests: 9, cancelled: 1 });
    expect(errors('echo', 'deserialization')).toBe(2);
  });
});
