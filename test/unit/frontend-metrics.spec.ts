import {
  countChunkTokens,
  DistributedRuntime,
  errorTypeOfException,
  errorTypeOfStatus,
  FrontendMetrics,
  type FrontendMetricsOptions,
} from '../../lib/core';
import { lines, quietRuntime, testLogger } from '../utils/runtime';
import { sampleValue } from '../utils/scrape';

// Small buckets keep the exact scrapes short; the defaults are checked in frontend-log-buckets.
const BUCKETS = {
  requestDuration: [0.5, 1],
  inputSequence: [10, 100],
  outputSequence: [3, 10],
  timeToFirstToken: [0.1, 0.5],
  interTokenLatency: [0.02, 0.05],
};

function frontend(options: FrontendMetricsOptions = {}, drt = quietRuntime().drt) {
  const logger = testLogger();
  const metrics = new FrontendMetrics(drt, { buckets: BUCKETS, ...options }, { env: {}, logger });
  return { drt, metrics, logger };
}

/** A chat.completion.chunk with one choice whose delta is `delta`. */
const chunk = (delta: object, extra: object = {}) => ({
  id: 'c1',
  object: 'chat.completion.chunk',
  choices: [{ index: 0, delta, finish_reason: null }],
  ...extra,
});

describe('FrontendMetrics and its request handle', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());
  const wait = (ms: number) => jest.advanceTimersByTime(ms);

  it('records a streamed request exactly: TTFT, ITL spread over a chunk, ISL, OSL, tokens, duration', async () => {
    const { drt, metrics } = frontend();
    const request = metrics.start('Llama-3', 'chat_completions', 'stream');
    request.inputTokens(42);
    request.cachedTokens(7);
    wait(300);
    request.tokens(); // first token: TTFT 0.3, no ITL
    wait(40);
    request.tokens(); // ITL 0.04
    wait(90);
    request.tokens(3); // a 90 ms gap over 3 tokens: three ITL of 0.03
    wait(70);
    request.tokens(); // ITL 0.07, above the last bound
    wait(100);
    request.finish();

    expect(await drt.prometheusExpfmt()).toBe(
      lines(
        '# HELP dynamo_frontend_active_requests Number of requests currently being handled by the frontend, from HTTP handler entry to response completion',
        '# TYPE dynamo_frontend_active_requests gauge',
        'dynamo_frontend_active_requests{model="llama-3"} 0',
        '# HELP dynamo_frontend_cached_tokens Number of cached tokens (prefix cache hits) per request',
        '# TYPE dynamo_frontend_cached_tokens histogram',
        'dynamo_frontend_cached_tokens_bucket{model="llama-3",le="10"} 1',
        'dynamo_frontend_cached_tokens_bucket{model="llama-3",le="100"} 1',
        'dynamo_frontend_cached_tokens_bucket{model="llama-3",le="+Inf"} 1',
        'dynamo_frontend_cached_tokens_sum{model="llama-3"} 7',
        'dynamo_frontend_cached_tokens_count{model="llama-3"} 1',
        '# HELP dynamo_frontend_disconnected_clients Number of disconnected clients',
        '# TYPE dynamo_frontend_disconnected_clients gauge',
        'dynamo_frontend_disconnected_clients 0',
        '# HELP dynamo_frontend_inflight_requests Number of inflight requests',
        '# TYPE dynamo_frontend_inflight_requests gauge',
        'dynamo_frontend_inflight_requests{model="llama-3"} 0',
        '# HELP dynamo_frontend_input_sequence_tokens Input sequence length in tokens',
        '# TYPE dynamo_frontend_input_sequence_tokens histogram',
        'dynamo_frontend_input_sequence_tokens_bucket{model="llama-3",le="10"} 0',
        'dynamo_frontend_input_sequence_tokens_bucket{model="llama-3",le="100"} 1',
        'dynamo_frontend_input_sequence_tokens_bucket{model="llama-3",le="+Inf"} 1',
        'dynamo_frontend_input_sequence_tokens_sum{model="llama-3"} 42',
        'dynamo_frontend_input_sequence_tokens_count{model="llama-3"} 1',
        '# HELP dynamo_frontend_inter_token_latency_seconds Inter-token latency in seconds',
        '# TYPE dynamo_frontend_inter_token_latency_seconds histogram',
        'dynamo_frontend_inter_token_latency_seconds_bucket{model="llama-3",le="0.02"} 0',
        'dynamo_frontend_inter_token_latency_seconds_bucket{model="llama-3",le="0.05"} 4',
        'dynamo_frontend_inter_token_latency_seconds_bucket{model="llama-3",le="+Inf"} 5',
        'dynamo_frontend_inter_token_latency_seconds_sum{model="llama-3"} 0.2',
        'dynamo_frontend_inter_token_latency_seconds_count{model="llama-3"} 5',
        '# HELP dynamo_frontend_output_sequence_tokens Output sequence length in tokens',
        '# TYPE dynamo_frontend_output_sequence_tokens histogram',
        'dynamo_frontend_output_sequence_tokens_bucket{model="llama-3",le="3"} 0',
        'dynamo_frontend_output_sequence_tokens_bucket{model="llama-3",le="10"} 1',
        'dynamo_frontend_output_sequence_tokens_bucket{model="llama-3",le="+Inf"} 1',
        'dynamo_frontend_output_sequence_tokens_sum{model="llama-3"} 6',
        'dynamo_frontend_output_sequence_tokens_count{model="llama-3"} 1',
        '# HELP dynamo_frontend_output_tokens_total Total number of output tokens generated (updates in real-time)',
        '# TYPE dynamo_frontend_output_tokens_total counter',
        'dynamo_frontend_output_tokens_total{model="llama-3"} 6',
        '# HELP dynamo_frontend_queued_requests Number of requests in HTTP processing queue',
        '# TYPE dynamo_frontend_queued_requests gauge',
        'dynamo_frontend_queued_requests{model="llama-3"} 0',
        '# HELP dynamo_frontend_request_duration_seconds Duration of LLM requests',
        '# TYPE dynamo_frontend_request_duration_seconds histogram',
        'dynamo_frontend_request_duration_seconds_bucket{model="llama-3",le="0.5"} 0',
        'dynamo_frontend_request_duration_seconds_bucket{model="llama-3",le="1"} 1',
        'dynamo_frontend_request_duration_seconds_bucket{model="llama-3",le="+Inf"} 1',
        'dynamo_frontend_request_duration_seconds_sum{model="llama-3"} 0.6',
        'dynamo_frontend_request_duration_seconds_count{model="llama-3"} 1',
        '# HELP dynamo_frontend_requests_started_total Total number of LLM requests accepted by the frontend handler',
        '# TYPE dynamo_frontend_requests_started_total counter',
        'dynamo_frontend_requests_started_total{endpoint="chat_completions",model="llama-3",request_type="stream"} 1',
        '# HELP dynamo_frontend_requests_total Total number of LLM requests processed',
        '# TYPE dynamo_frontend_requests_total counter',
        'dynamo_frontend_requests_total{endpoint="chat_completions",error_type="",model="llama-3",request_type="stream",status="success"} 1',
        '# HELP dynamo_frontend_stage_requests Number of requests currently in the given pipeline stage',
        '# TYPE dynamo_frontend_stage_requests gauge',
        'dynamo_frontend_stage_requests{phase="",stage="preprocess"} 0',
        '# HELP dynamo_frontend_time_to_first_token_seconds Time to first token in seconds',
        '# TYPE dynamo_frontend_time_to_first_token_seconds histogram',
        'dynamo_frontend_time_to_first_token_seconds_bucket{model="llama-3",le="0.1"} 0',
        'dynamo_frontend_time_to_first_token_seconds_bucket{model="llama-3",le="0.5"} 1',
        'dynamo_frontend_time_to_first_token_seconds_bucket{model="llama-3",le="+Inf"} 1',
        'dynamo_frontend_time_to_first_token_seconds_sum{model="llama-3"} 0.3',
        'dynamo_frontend_time_to_first_token_seconds_count{model="llama-3"} 1',
      ),
    );
  });

  it('shows a request inflight and queued until its first token, then inflight only', async () => {
    const { drt, metrics } = frontend();
    const value = async (name: string) =>
      sampleValue(await drt.prometheusExpfmt(), `dynamo_frontend_${name}`, { model: 'm' });
    const a = metrics.start('m', 'completions', 'stream');
    const b = metrics.start('m', 'completions', 'stream');
    expect([await value('inflight_requests'), await value('queued_requests')]).toEqual([2, 2]);
    a.tokens();
    expect([await value('inflight_requests'), await value('queued_requests')]).toEqual([2, 1]);
    b.firstToken(); // TTFT without counting a token
    expect([await value('inflight_requests'), await value('queued_requests')]).toEqual([2, 0]);
    a.finish();
    b.fail('internal');
    expect([await value('inflight_requests'), await value('queued_requests')]).toEqual([0, 0]);
    expect(await value('output_tokens_total')).toBe(1);
    expect(await value('time_to_first_token_seconds_count')).toBe(2);
  });

  it('gives a first chunk of n tokens only a TTFT (Dynamo ignores its ITL), and ITL from firstToken() on', async () => {
    const { drt, metrics } = frontend();
    const request = metrics.start('m', 'chat_completions', 'stream');
    wait(200);
    request.tokens(5);
    wait(30);
    request.tokens(2); // 30 ms over 2 tokens: 2 × 0.015
    request.finish();
    const other = metrics.start('m', 'chat_completions', 'stream');
    other.firstToken();
    wait(40);
    other.tokens(1);
    other.finish();
    const text = await drt.prometheusExpfmt();
    const itl = (le: string) =>
      sampleValue(text, 'dynamo_frontend_inter_token_latency_seconds_bucket', { le });
    expect([itl('0.02'), itl('0.05'), itl('+Inf')]).toEqual([2, 3, 3]);
    expect(sampleValue(text, 'dynamo_frontend_inter_token_latency_seconds_sum')).toBeCloseTo(
      0.07,
      12,
    );
    expect(sampleValue(text, 'dynamo_frontend_output_tokens_total')).toBe(8);
  });

  it('counts each outcome under its status and error_type; cancelled also as a disconnected client', async () => {
    const { drt, metrics } = frontend();
    metrics.start('m', 'chat_completions', 'stream').fail('cancelled');
    metrics.start('m', 'chat_completions', 'stream').fail('cancelled');
    metrics.start('m', 'chat_completions', 'unary').fail('validation');
    metrics.start('m', 'chat_completions', 'unary').fail();
    metrics.start('m', 'embeddings', 'unary').finish();
    metrics.start('m', 'chat_completions', 'unary').fail('quota_exceeded');
    const text = await drt.prometheusExpfmt();
    expect(text).toContain(
      lines(
        '# HELP dynamo_frontend_disconnected_clients Number of disconnected clients',
        '# TYPE dynamo_frontend_disconnected_clients gauge',
        'dynamo_frontend_disconnected_clients 2',
      ),
    );
    expect(text).toContain(
      lines(
        '# TYPE dynamo_frontend_requests_total counter',
        'dynamo_frontend_requests_total{endpoint="chat_completions",error_type="cancelled",model="m",request_type="stream",status="error"} 2',
        'dynamo_frontend_requests_total{endpoint="chat_completions",error_type="internal",model="m",request_type="unary",status="error"} 1',
        'dynamo_frontend_requests_total{endpoint="chat_completions",error_type="quota_exceeded",model="m",request_type="unary",status="error"} 1',
        'dynamo_frontend_requests_total{endpoint="chat_completions",error_type="validation",model="m",request_type="unary",status="error"} 1',
        'dynamo_frontend_requests_total{endpoint="embeddings",error_type="",model="m",request_type="unary",status="success"} 1',
      ),
    );
  });

  it('observes ISL and cached tokens on success or after a first token, not for a request that failed before it', async () => {
    const { drt, metrics } = frontend();
    const early = metrics.start('m', 'chat_completions', 'stream');
    early.inputTokens(5);
    early.cachedTokens(1);
    early.fail('overload');
    const late = metrics.start('m', 'chat_completions', 'stream');
    late.inputTokens(50);
    late.tokens();
    late.fail('cancelled');
    const unary = metrics.start('m', 'embeddings', 'unary');
    unary.inputTokens(500);
    unary.finish();
    const text = await drt.prometheusExpfmt();
    expect(sampleValue(text, 'dynamo_frontend_input_sequence_tokens_count')).toBe(2);
    expect(sampleValue(text, 'dynamo_frontend_input_sequence_tokens_sum')).toBe(550);
    expect(text).not.toContain('dynamo_frontend_cached_tokens');
    // OSL only for requests with output, as in Dynamo.
    expect(sampleValue(text, 'dynamo_frontend_output_sequence_tokens_count')).toBe(1);
  });

  it("takes usage's completion_tokens as the OSL; output_tokens_total grows by what was not counted, never down", async () => {
    const { drt, metrics } = frontend();
    const more = metrics.start('m', 'completions', 'stream');
    more.tokens(2);
    more.outputTokens(9);
    expect(more.outputTokenCount).toBe(9);
    more.finish();
    let text = await drt.prometheusExpfmt();
    expect(sampleValue(text, 'dynamo_frontend_output_tokens_total')).toBe(9);
    expect(sampleValue(text, 'dynamo_frontend_output_sequence_tokens_sum')).toBe(9);
    const fewer = metrics.start('m', 'completions', 'stream');
    fewer.tokens(4);
    fewer.outputTokens(3);
    fewer.finish();
    text = await drt.prometheusExpfmt();
    expect(sampleValue(text, 'dynamo_frontend_output_tokens_total')).toBe(13);
    expect(sampleValue(text, 'dynamo_frontend_output_sequence_tokens_sum')).toBe(12);
  });

  it('counts the first end only, and ignores tokens after it', async () => {
    const { drt, metrics } = frontend();
    const request = metrics.start('m', 'chat_completions', 'stream');
    request.finish();
    request.fail('cancelled');
    request.tokens(3);
    request.firstToken();
    request.outputTokens(10);
    expect(request.done).toBe(true);
    const text = await drt.prometheusExpfmt();
    expect(
      sampleValue(text, 'dynamo_frontend_requests_total', { status: 'success', model: 'm' }),
    ).toBe(1);
    expect(text).not.toContain('error_type="cancelled"');
    expect(text).not.toContain('dynamo_frontend_output_tokens_total');
    expect(text).not.toContain('dynamo_frontend_time_to_first_token_seconds');
    expect(sampleValue(text, 'dynamo_frontend_disconnected_clients')).toBe(0);
  });

  it('rejects bad counts, endpoints and request types with what is expected', () => {
    const { metrics } = frontend();
    const request = metrics.start('m', 'chat_completions');
    expect(() => request.tokens(-1)).toThrow(
      'Invalid token count -1: expected a non-negative integer',
    );
    expect(() => request.tokens(1.5)).toThrow('Invalid token count 1.5');
    expect(() => request.inputTokens(NaN)).toThrow('Invalid input token count NaN');
    expect(() => request.cachedTokens(-2)).toThrow('Invalid cached token count -2');
    expect(() => request.outputTokens(0.5)).toThrow('Invalid output token total 0.5');
    expect(() => metrics.start('m', '')).toThrow(
      `@DynamoFrontend() needs an endpoint name (e.g. { endpoint: 'chat_completions' }), got ""`,
    );
    expect(() => metrics.start('m', 'x', 'batch' as never)).toThrow(
      `Invalid frontend request type "batch": expected 'stream' or 'unary'`,
    );
    expect(request.requestType).toBe('unary');
    expect(() => frontend({ maxModels: 0 })).toThrow(
      'Invalid frontend maxModels 0: expected a positive integer or Infinity',
    );
    expect(() => frontend({ models: 'llama' as never })).toThrow(
      'Invalid frontend models "llama": expected an array of model names or { name, ... } objects',
    );
  });
});

describe('the model label', () => {
  it('is lower-cased; with declared models, any other is unknown_model and not served', async () => {
    const { drt, metrics } = frontend({ models: ['Llama-3-8B', 'mistral'] });
    expect(metrics.modelLabel('LLAMA-3-8b')).toBe('llama-3-8b');
    expect(metrics.modelLabel('gpt-4')).toBe('unknown_model');
    expect(metrics.modelLabel(undefined)).toBe('unknown_model');
    expect(metrics.isServed('MISTRAL')).toBe(true);
    expect(metrics.isServed('gpt-4')).toBe(false);
    expect([...metrics.models!]).toEqual(['llama-3-8b', 'mistral']);
    metrics.start('gpt-4', 'chat_completions').fail('not_found');
    metrics.start('Mistral', 'chat_completions').finish();
    const text = await drt.prometheusExpfmt();
    expect(
      sampleValue(text, 'dynamo_frontend_requests_total', {
        model: 'unknown_model',
        error_type: 'not_found',
      }),
    ).toBe(1);
    expect(sampleValue(text, 'dynamo_frontend_requests_total', { model: 'mistral' })).toBe(1);
    metrics.declareModels(['gpt-4']);
    expect(metrics.modelLabel('GPT-4')).toBe('gpt-4');
    expect(metrics.modelLabel('mistral')).toBe('unknown_model');
    metrics.declareModels(undefined);
    expect(metrics.isServed('anything')).toBe(true);
  });

  it('without declared models, keeps maxModels names and labels later ones __overflow__ (warned once)', async () => {
    const { drt, metrics, logger } = frontend({ maxModels: 2 });
    expect(metrics.modelLabel('A')).toBe('a');
    expect(metrics.modelLabel('b')).toBe('b');
    expect(metrics.modelLabel('a')).toBe('a');
    expect(metrics.modelLabel(undefined)).toBe('unknown_model'); // not one of the two
    expect(metrics.modelLabel('c')).toBe('__overflow__');
    expect(metrics.modelLabel('d')).toBe('__overflow__');
    expect(metrics.modelLabel('B')).toBe('b');
    metrics.start('e', 'completions').finish();
    expect(logger.warn.mock.calls).toEqual([
      [
        'dynamo_frontend_* metrics reached their limit of 2 distinct model names; model "c" and ' +
          'later new ones are labelled "__overflow__" and counted in dynamo_metrics_series_overflow_total. ' +
          'Declare the served models (frontend.models) or raise frontend.maxModels (at most maxSeriesPerMetric).',
      ],
    ]);
    expect(
      sampleValue(await drt.prometheusExpfmt(), 'dynamo_frontend_requests_total', {
        model: '__overflow__',
      }),
    ).toBe(1);
  });

  it('keeps 100 names by default', () => {
    const { metrics } = frontend();
    for (let i = 0; i < 100; i++) expect(metrics.modelLabel(`m${i}`)).toBe(`m${i}`);
    expect(metrics.modelLabel('m100')).toBe('__overflow__');
  });
});

describe('reading OpenAI chunks', () => {
  const recorded = async (...chunks: unknown[]) => {
    const { drt, metrics } = frontend();
    const request = metrics.start('m', 'chat_completions', 'stream');
    for (const c of chunks) request.chunk(c);
    request.finish();
    const text = await drt.prometheusExpfmt();
    const value = (name: string) => {
      try {
        return sampleValue(text, `dynamo_frontend_${name}`);
      } catch {
        return undefined;
      }
    };
    return {
      tokens: value('output_tokens_total'),
      ttft: value('time_to_first_token_seconds_count'),
      itl: value('inter_token_latency_seconds_count'),
      isl: value('input_sequence_tokens_sum'),
      osl: value('output_sequence_tokens_sum'),
      cached: value('cached_tokens_sum'),
    };
  };

  it('counts one token per choice whose delta carries text or tool calls', () => {
    expect(countChunkTokens(chunk({ role: 'assistant', content: '' }))).toBe(0);
    expect(countChunkTokens(chunk({ content: 'Hi' }))).toBe(1);
    expect(countChunkTokens(chunk({ reasoning_content: 'hmm' }))).toBe(1);
    expect(countChunkTokens(chunk({ reasoning: 'hmm' }))).toBe(1);
    expect(
      countChunkTokens(chunk({ tool_calls: [{ index: 0, function: { arguments: '{' } }] })),
    ).toBe(1);
    expect(countChunkTokens(chunk({ tool_calls: [] }))).toBe(0);
    expect(countChunkTokens(chunk({}, { choices: [] }))).toBe(0);
    expect(
      countChunkTokens({
        choices: [
          { index: 0, delta: { content: 'a' } },
          { index: 1, delta: { content: 'b' } },
          { index: 2, delta: { content: '' } },
        ],
      }),
    ).toBe(2);
    // Completions stream a `text` per choice.
    expect(countChunkTokens({ object: 'text_completion', choices: [{ text: ' the' }] })).toBe(1);
    expect(countChunkTokens({ choices: [{ text: '' }] })).toBe(0);
    expect(countChunkTokens(null)).toBe(0);
    expect(countChunkTokens('data: x')).toBe(0);
  });

  it('reads objects, SSE MessageEvents (object or JSON data), JSON text and SSE text alike', async () => {
    const c = chunk({ content: 'x' });
    expect(
      await recorded(
        chunk({ role: 'assistant' }),
        c,
        { data: c },
        { data: JSON.stringify(c) },
        JSON.stringify(c),
        `data: ${JSON.stringify(c)}\n\ndata: ${JSON.stringify(c)}\n\n`,
        { data: '[DONE]' },
        'data: [DONE]\n\n',
        { data: 'not json' },
      ),
    ).toEqual({ tokens: 6, ttft: 1, itl: 5, isl: undefined, osl: 6, cached: undefined });
  });

  it('applies usage: prompt_tokens, completion_tokens, cached tokens (chat or Responses API names)', async () => {
    expect(
      await recorded(chunk({ content: 'x' }), chunk({ content: 'y' }), {
        choices: [],
        usage: {
          prompt_tokens: 12,
          completion_tokens: 5,
          prompt_tokens_details: { cached_tokens: 8 },
        },
      }),
    ).toEqual({ tokens: 5, ttft: 1, itl: 1, isl: 12, osl: 5, cached: 8 });
    expect(
      await recorded({
        data: {
          usage: { input_tokens: 3, output_tokens: 4, input_tokens_details: { cached_tokens: 0 } },
        },
      }),
    ).toEqual({ tokens: 4, ttft: undefined, itl: undefined, isl: 3, osl: 4, cached: 0 });
    expect(await recorded(chunk({ content: 'x' }, { usage: null }))).toEqual({
      tokens: 1,
      ttft: 1,
      itl: undefined,
      isl: undefined,
      osl: 1,
      cached: undefined,
    });
  });
});

describe('mapping to error_type', () => {
  it.each([
    [400, 'validation'],
    [401, 'validation'],
    [413, 'validation'],
    [422, 'validation'],
    [404, 'not_found'],
    [429, 'overload'],
    [503, 'overload'],
    [529, 'overload'],
    [501, 'not_implemented'],
    [408, 'response_timeout'],
    [504, 'response_timeout'],
    [500, 'internal'],
    [502, 'internal'],
  ])('status %i is %s', (status, type) => {
    expect(errorTypeOfStatus(status)).toBe(type);
  });

  it('reads the status of HttpExceptions, http-errors and Fastify errors; anything else is internal', () => {
    expect(errorTypeOfException({ getStatus: () => 429 })).toBe('overload');
    expect(errorTypeOfException(Object.assign(new Error('x'), { status: 404 }))).toBe('not_found');
    expect(errorTypeOfException(Object.assign(new Error('x'), { statusCode: 400 }))).toBe(
      'validation',
    );
    expect(errorTypeOfException(new Error('boom'))).toBe('internal');
    expect(errorTypeOfException('boom')).toBe('internal');
    expect(errorTypeOfException({ status: 'bad' })).toBe('internal');
    expect(
      errorTypeOfException({
        getStatus: () => {
          throw new Error('x');
        },
      }),
    ).toBe('internal');
  });
});

describe('drt.prefixed(): runtime-level metrics under a prefix of their own', () => {
  it('names them prefix + sanitized name, with no auto labels and no worker_id, only the const labels', async () => {
    const drt = new DistributedRuntime({
      uptime: false,
      workerId: 255,
      constLabels: { service: 'gw' },
    });
    const frontendLevel = drt.prefixed('dynamo_frontend_');
    expect(drt.prefixed('dynamo_frontend_')).toBe(frontendLevel);
    frontendLevel
      .createIntCounterVec('requests-total', 'Requests', ['model'])
      .withLabelValues('m')
      .inc();
    drt.namespace('dynamo').component('backend').createGauge('g', 'A gauge').set(1);
    expect(await drt.prometheusExpfmt()).toBe(
      lines(
        '# HELP dynamo_component_g A gauge',
        '# TYPE dynamo_component_g gauge',
        'dynamo_component_g{dynamo_component="backend",dynamo_namespace="dynamo",service="gw",worker_id="ff"} 1',
        '# HELP dynamo_frontend_requests_total Requests',
        '# TYPE dynamo_frontend_requests_total counter',
        'dynamo_frontend_requests_total{model="m",service="gw"} 1',
      ),
    );
    expect(await frontendLevel.prometheusExpfmt()).toBe(
      lines(
        '# HELP dynamo_frontend_requests_total Requests',
        '# TYPE dynamo_frontend_requests_total counter',
        'dynamo_frontend_requests_total{model="m",service="gw"} 1',
      ),
    );
  });

  it('rejects a prefix that is not the start of a metric name', () => {
    const drt = new DistributedRuntime({ uptime: false });
    expect(() => drt.prefixed('1abc_')).toThrow(
      `Invalid metric name prefix "1abc_": it must match [a-zA-Z_:][a-zA-Z0-9_:]* (e.g. 'dynamo_frontend_')`,
    );
    expect(() => drt.prefixed('')).toThrow('Invalid metric name prefix ""');
  });

  it('keeps a runtime without frontend metrics exactly as it was', async () => {
    const { drt } = quietRuntime();
    drt.createGauge('g', 'A gauge').set(2);
    new FrontendMetrics(drt, {}, { env: {} }); // created, never used: nothing registered
    expect(await drt.prometheusExpfmt()).toBe(
      lines(
        '# HELP dynamo_component_g A gauge',
        '# TYPE dynamo_component_g gauge',
        'dynamo_component_g 2',
      ),
    );
  });

  it('registers the eleven families with register(), only the unlabelled gauge showing before a request', async () => {
    const { drt, metrics } = frontend();
    metrics.register();
    expect(await drt.prometheusExpfmt()).toBe(
      lines(
        '# HELP dynamo_frontend_disconnected_clients Number of disconnected clients',
        '# TYPE dynamo_frontend_disconnected_clients gauge',
        'dynamo_frontend_disconnected_clients 0',
      ),
    );
    // Two FrontendMetrics on one runtime with the same buckets share the families.
    const again = new FrontendMetrics(drt, { buckets: BUCKETS }, { env: {} });
    again.start('m', 'completions').finish();
    metrics.start('m', 'completions').finish();
    expect(
      sampleValue(await drt.prometheusExpfmt(), 'dynamo_frontend_requests_total', { model: 'm' }),
    ).toBe(2);
  });
});
