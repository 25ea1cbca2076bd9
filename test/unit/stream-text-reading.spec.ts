import { FrontendMetrics } from '../../lib/core';
import { ChunkRecorder, MAX_CARRIED_LINE_LENGTH } from '../../lib/frontend/chunk-reader';
import { quietRuntime, testLogger } from '../utils/runtime';
import { sampleValue } from '../utils/scrape';

/** A recorder reading one streamed request, as @DynamoFrontend() reads a returned stream. */
function reader() {
  const { drt } = quietRuntime();
  const metrics = new FrontendMetrics(drt, {}, { env: {}, logger: testLogger() });
  const request = metrics.start('m', 'chat_completions', 'stream');
  const recorder = new ChunkRecorder(request, undefined);
  /** Ends the stream and the request; the output tokens counted. */
  const tokens = async () => {
    recorder.flush();
    request.finish();
    return sampleValue(await drt.prometheusExpfmt(), 'dynamo_frontend_output_tokens_total');
  };
  return { recorder, tokens };
}

/**
 * Characters the string work inside `body` touches: scanned by `indexOf` & co. (from where the
 * scan starts to where it stops) and copied into new strings by `slice`, `join`, `trim` & co.
 * Counts work, not time, so it holds on a busy machine. (`+` is not seen, but a string built by
 * `+` is copied when it is next scanned or sliced, which is.)
 */
function stringWork(body: () => void): number {
  const S = String.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  const A = Array.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  const saved: [Record<string, unknown>, string, unknown][] = [];
  let work = 0;
  const wrap = (
    target: Record<string, (...args: unknown[]) => unknown>,
    name: string,
    cost: (self: never, result: never, args: unknown[]) => number,
  ) => {
    const original = target[name];
    saved.push([target, name, original]);
    target[name] = function (this: never, ...args: unknown[]) {
      const result = original.apply(this, args) as never;
      work += cost(this, result, args);
      return result;
    };
  };
  const scanned = (self: string, found: number, args: unknown[]) =>
    (found >= 0 ? found + String(args[0]).length : self.length) - Number(args[1] ?? 0);
  wrap(S, 'indexOf', (self: string, found: number, args) => scanned(self, found, args));
  wrap(S, 'includes', (self: string, _found: boolean, args) => self.length - Number(args[1] ?? 0));
  wrap(S, 'lastIndexOf', (self: string) => self.length);
  wrap(S, 'split', (self: string) => self.length);
  wrap(S, 'search', (self: string) => self.length);
  wrap(S, 'match', (self: string) => self.length);
  for (const copy of ['slice', 'substring', 'substr', 'concat', 'trim', 'trimStart', 'trimEnd']) {
    wrap(S, copy, (_self: string, result: string) => result.length);
  }
  wrap(A, 'join', (_self: unknown[], result: string) => result.length);
  try {
    body();
  } finally {
    for (const [target, name, original] of saved) target[name] = original;
  }
  return work;
}

const content = (text: string) =>
  JSON.stringify({
    object: 'chat.completion.chunk',
    choices: [{ index: 0, delta: { content: text } }],
  });

describe('reading streamed text costs work proportional to its length', () => {
  it('scans each character of text without newlines once, however many chunks it comes in', async () => {
    const work = (chunks: number) => {
      const { recorder } = reader();
      return stringWork(() => {
        for (let i = 0; i < chunks; i++) recorder.record('token ');
      });
    };
    // 5,000 and 10,000 chunks of 6 characters: twice the text, twice the work, once per character.
    expect(work(5_000)).toBe(30_000);
    expect(work(10_000)).toBe(60_000);
  });

  it('joins a JSON line split into many chunks once, when its newline comes, and counts its token', async () => {
    const line = `data: ${content('x'.repeat(60_000))}\n\n`;
    const run = (size: number) => {
      const { recorder, tokens } = reader();
      const work = stringWork(() => {
        for (let i = 0; i < line.length; i += size) recorder.record(line.slice(i, i + size));
      });
      return { work, tokens: tokens() };
    };
    const coarse = run(6_000);
    const fine = run(6);
    await expect(coarse.tokens).resolves.toBe(1);
    await expect(fine.tokens).resolves.toBe(1);
    // Scanned once, kept in 6-character pieces, joined into blocks, then into the line, then
    // sliced and trimmed to its JSON: a few passes over the line, however finely it is cut.
    expect(fine.work).toBeLessThanOrEqual(6 * line.length);
    expect(fine.work).toBeLessThanOrEqual(coarse.work + 2 * line.length);
  });

  it('does the same work per character for 2,000 and 4,000 SSE events cut into 7-character chunks', () => {
    const work = (events: number) => {
      const text = `data: ${content('tok')}\n\n`.repeat(events);
      const { recorder } = reader();
      return stringWork(() => {
        for (let i = 0; i < text.length; i += 7) recorder.record(text.slice(i, i + 7));
      });
    };
    const small = work(2_000);
    const large = work(4_000);
    // Chunk edges fall elsewhere in the longer text: a few characters either way.
    expect(large / small).toBeCloseTo(2, 3);
    expect(small).toBeLessThanOrEqual(6 * 2_000 * `data: ${content('tok')}\n\n`.length);
  });
});

describe('what a stream reader keeps of a line without its newline', () => {
  it('keeps nothing of a line that cannot be a chunk (it starts neither `{` nor `data:`)', async () => {
    const { recorder, tokens } = reader();
    for (let i = 0; i < 100_000; i++) recorder.record('plain text ');
    expect(recorder.carried).toBe(0);
    recorder.record(`\n${content('a')}\n`); // the next line is read
    await expect(tokens()).resolves.toBe(1);
  });

  it('keeps at most 1 MiB of a line that may be a chunk, and skips the rest of it to its newline', async () => {
    const { recorder, tokens } = reader();
    const start = 'data: {"choices":[{"delta":{"content":"';
    recorder.record(start);
    const piece = 'y'.repeat(64 * 1024);
    let most = 0;
    for (let i = 0; i < 40; i++) {
      recorder.record(piece);
      most = Math.max(most, recorder.carried);
    }
    expect(MAX_CARRIED_LINE_LENGTH).toBe(1024 * 1024);
    // Kept while within the limit (15 pieces), dropped at the 16th piece.
    expect(most).toBe(start.length + 15 * piece.length);
    expect(recorder.carried).toBe(0);
    // Text that goes on past the limit is the same line, even when it looks like a chunk...
    recorder.record(`${content('skipped')}"}}]}\n`);
    expect(recorder.carried).toBe(0);
    // ...and the line after its newline is read.
    recorder.record(`data: ${content('b')}\n\n`);
    await expect(tokens()).resolves.toBe(1);
  });

  it('reads a line that arrives whole in one chunk at any length', async () => {
    const { recorder, tokens } = reader();
    recorder.record(`data: ${content('z'.repeat(2 * MAX_CARRIED_LINE_LENGTH))}\n\n`);
    await expect(tokens()).resolves.toBe(1);
  });
});

describe('lines read from text are the same however the text is cut', () => {
  const text = [
    ': keep-alive',
    'event: message',
    `data: ${content('a')}`,
    '',
    `data:${content('b')}\r`,
    '\r',
    content('c'),
    `data: {"choices":[],"usage":{"prompt_tokens":4,"completion_tokens":3}}`,
    'd',
    'dat',
    `data: ${content('')}`,
    'data: [DONE]',
    `${content('last, without a newline')}`,
  ].join('\n');

  it('counts the same tokens for the text whole, cut at any one place, and cut into 1 to 9 characters', async () => {
    const counts = new Set<number>();
    const read = async (pieces: string[]) => {
      const { recorder, tokens } = reader();
      for (const piece of pieces) recorder.record(piece);
      counts.add(await tokens());
    };
    await read([text]);
    for (let cut = 1; cut < text.length; cut++) await read([text.slice(0, cut), text.slice(cut)]);
    for (let size = 1; size <= 9; size++) {
      const pieces: string[] = [];
      for (let i = 0; i < text.length; i += size) pieces.push(text.slice(i, i + size));
      await read(pieces);
    }
    // a, b, c and the last line (the usage's 3 came when 3 were counted).
    expect([...counts]).toEqual([4]);
  });

  it('reads UTF-8 bytes cut inside a character as the text they encode', async () => {
    const bytes = Buffer.from(`data: ${content('é☃😀')}\n\n${content('ü')}\n`);
    const { recorder, tokens } = reader();
    for (let i = 0; i < bytes.length; i++) recorder.record(bytes.subarray(i, i + 1));
    await expect(tokens()).resolves.toBe(2);
  });
});
