import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createHttp2Server } from 'node:http2';
import { Socket } from 'node:net';
import { bornWithPrototypes } from '../../lib/http/node-http-hooks';
import { BYTES_IN, STATE } from '../../lib/http/request-state';
import { classesOf } from '../utils/server-classes';

/** Prototypes as Express makes them: objects that inherit from Node's. */
function expressLikePrototypes() {
  return {
    request: Object.create(IncomingMessage.prototype) as IncomingMessage,
    response: Object.create(ServerResponse.prototype) as ServerResponse,
  };
}

describe('bornWithPrototypes', () => {
  it('makes a server build its requests and responses with the given prototypes and slots', () => {
    const server = createServer();
    const { request, response } = expressLikePrototypes();
    expect(bornWithPrototypes(server, request, response)).toBe(true);
    const [Request, Response] = classesOf(server) as [
      new (socket: Socket) => IncomingMessage,
      new (request: IncomingMessage, options: object) => ServerResponse,
    ];
    const req = new Request(new Socket());
    const res = new Response(req, {});
    expect(Object.getPrototypeOf(req)).toBe(request);
    expect(Object.getPrototypeOf(res)).toBe(response);
    expect(Object.getOwnPropertySymbols(req)).toEqual(expect.arrayContaining([STATE, BYTES_IN]));
    expect((req as { [BYTES_IN]?: number })[BYTES_IN]).toBe(0);
    expect(Object.getOwnPropertySymbols(res)).toContain(STATE);
    // Node's own constructors ran: the objects work as theirs do.
    expect(res.req).toBe(req);
    expect(res.statusCode).toBe(200);
    expect(req.headers).toEqual({});
    // Asked again (a second install on the same app): nothing is replaced twice.
    expect(bornWithPrototypes(server, request, response)).toBe(true);
    expect(classesOf(server)).toEqual([Request, Response]);
  });

  it('leaves the server as it was where the objects would not come out the same', () => {
    const cases: [string, object, IncomingMessage, ServerResponse][] = [];
    // Prototypes that do not extend the server's classes.
    cases.push([
      'unrelated prototypes',
      createServer(),
      {} as IncomingMessage,
      Object.create(ServerResponse.prototype) as ServerResponse,
    ]);
    // An accessor over a property that Node's constructor sets.
    const withAccessor = expressLikePrototypes();
    let stored: unknown;
    Object.defineProperty(withAccessor.request, 'complete', {
      get: () => stored,
      set: (value: unknown) => (stored = value),
    });
    cases.push(['an accessor', createServer(), withAccessor.request, withAccessor.response]);
    // A getter alone over such a property (as Express's getters are, over others): Node's
    // constructor would throw.
    const withGetter = expressLikePrototypes();
    Object.defineProperty(withGetter.request, 'url', { get: () => '/' });
    cases.push(['a getter', createServer(), withGetter.request, withGetter.response]);
    // Any accessor or read-only property on the response's side, which is not built to compare.
    const onResponse = expressLikePrototypes();
    Object.defineProperty(onResponse.response, 'locals', { get: () => ({}) });
    cases.push(['a response accessor', createServer(), onResponse.request, onResponse.response]);
    const readOnly = expressLikePrototypes();
    Object.defineProperty(readOnly.response, Symbol('mine'), { value: 1, writable: false });
    cases.push(['a read-only symbol', createServer(), readOnly.request, readOnly.response]);
    // A server built with classes of its own (here an ES class, which could not even be called
    // on an object made beforehand).
    class ClassRequest extends IncomingMessage {}
    const fromClass = createServer({ IncomingMessage: ClassRequest });
    cases.push([
      'an ES class',
      fromClass,
      Object.create(ClassRequest.prototype) as IncomingMessage,
      Object.create(ServerResponse.prototype) as ServerResponse,
    ]);
    // HTTP/2: no such classes.
    const { request, response } = expressLikePrototypes();
    cases.push(['an HTTP/2 server', createHttp2Server(), request, response]);

    for (const [label, server, req, res] of cases) {
      const before = classesOf(server);
      expect([label, bornWithPrototypes(server, req, res)]).toEqual([label, false]);
      expect([label, classesOf(server)]).toEqual([label, before]);
    }
  });

  it('builds as Node does once building with the prototypes throws, from then on, and says so once', () => {
    const server = createServer();
    const { request, response } = expressLikePrototypes();
    const failures: unknown[] = [];
    expect(bornWithPrototypes(server, request, response, (error) => failures.push(error))).toBe(
      true,
    );
    const [Request, Response] = classesOf(server) as [
      new (socket: Socket) => IncomingMessage,
      new (request: IncomingMessage, options: object) => ServerResponse,
    ];
    // Added after the probe: Node's constructors cannot assign these.
    Object.defineProperty(request, 'complete', { get: () => true, configurable: true });
    Object.defineProperty(response, 'sendDate', { get: () => true, configurable: true });
    const req = new Request(new Socket());
    const res = new Response(req, {});
    // What Node's own classes build, as a server that was never changed would.
    expect([Object.getPrototypeOf(req), Object.getPrototypeOf(res)]).toEqual([
      IncomingMessage.prototype,
      ServerResponse.prototype,
    ]);
    expect([req.complete, res.sendDate, res.req]).toEqual([false, true, req]);
    expect(classesOf(server)).toEqual([IncomingMessage, ServerResponse]);
    expect(failures).toHaveLength(1);
    expect(String(failures[0])).toMatch(/complete/);
    // A failure on the response side alone, built after the request: told once too.
    const other = createServer();
    const prototypes = expressLikePrototypes();
    const told: unknown[] = [];
    bornWithPrototypes(other, prototypes.request, prototypes.response, (e) => told.push(e));
    const [OtherRequest, OtherResponse] = classesOf(other) as [typeof Request, typeof Response];
    Object.defineProperty(prototypes.response, 'sendDate', { get: () => true });
    const bornReq = new OtherRequest(new Socket());
    const nodeRes = new OtherResponse(bornReq, {});
    expect([Object.getPrototypeOf(bornReq), Object.getPrototypeOf(nodeRes)]).toEqual([
      prototypes.request,
      ServerResponse.prototype,
    ]);
    expect(classesOf(other)).toEqual([IncomingMessage, ServerResponse]);
    expect(told).toHaveLength(1);
  });

  it("gives requests handed to 'upgrade' and 'connect' listeners Node's prototype back", () => {
    const server = createServer();
    const { request, response } = expressLikePrototypes();
    expect(bornWithPrototypes(server, request, response)).toBe(true);
    const [Request] = classesOf(server) as [new (socket: Socket) => IncomingMessage];
    const seen: [string, boolean][] = [];
    for (const event of ['upgrade', 'connect', 'request']) {
      server.on(event, (req: IncomingMessage) =>
        seen.push([event, Object.getPrototypeOf(req) === IncomingMessage.prototype]),
      );
    }
    // The server's emit passes everything on, and answers what its listeners' emit answers.
    expect(server.emit('upgrade', new Request(new Socket()), new Socket(), Buffer.alloc(0))).toBe(
      true,
    );
    expect(server.emit('connect', new Request(new Socket()), new Socket(), Buffer.alloc(0))).toBe(
      true,
    );
    const req = new Request(new Socket());
    expect(server.emit('request', req, {})).toBe(true);
    expect(server.emit('checkContinue', req, {})).toBe(false);
    expect(seen).toEqual([
      ['upgrade', true],
      ['connect', true],
      ['request', false],
    ]);
    expect(Object.getPrototypeOf(req)).toBe(request);
  });
});
