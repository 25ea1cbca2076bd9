/**
 * The classes a Node HTTP(S) server builds its requests and responses with, `[IncomingMessage,
 * ServerResponse]` (Node keeps them under symbols; `undefined` where a server keeps none).
 */
export function classesOf(server: object): unknown[] {
  return ['IncomingMessage', 'ServerResponse'].map((name) => {
    const key = Object.getOwnPropertySymbols(server).find((symbol) => symbol.description === name);
    return key === undefined ? undefined : (server as Record<symbol, unknown>)[key];
  });
}
