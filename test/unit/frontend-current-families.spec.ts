import {
  type DistributedRuntime,
  FrontendMetrics,
  type FrontendMetricsOptions,
  MEDIA_COUNT_BUCKETS,
  recordMediaParts,
} from '../../lib/core';
import { lines, quietRuntime, testLogger } from '../utils/runtime';
import { sampleValue } from '../utils/scrape';

// Small buckets keep the exact scrapes short.
const BUCKETS = {
  requestDuration: [1],
  inputSequence: [100],
  outputSequence: [10],
  timeToFirstToken: [0.5],
  interTokenLatency: [0.05],
  embeddingLatency: [0.01, 0.1],
};

function frontend(options: FrontendMetricsOptions = {}, drt = quietRuntime().drt) {
  const logger = testLogger();
  const metrics = new FrontendMetrics(drt, { buckets: BUCKETS, ...options }, { env: {}, logger });
  return { drt, metrics, logger };
}

/** The scrape's lines of the families named (after `dynamo_frontend_`), HELP and TYPE included. */
async function families(drt: DistributedRuntime, ...names: string[]): Promise<string> {
  const pattern = new RegExp(`^(# \\w+ )?dynamo_frontend_(${names.join('|')})[_{ ]`);
  const text = await drt.prometheusExpfmt();
  return lines(...text.split('\n').filter((line) => pattern.test(line)));
}

describe('the frontend families Dynamo added since spec 8 (spec 11.1)', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());
  const wait = (ms: number) => jest.advanceTimersByTime(ms);

  it('counts requests_started_total at the start and requests_total at the end; active_requests moves with inflight_requests', async () => {
    const { drt, metrics } = frontend();
    const request = metrics.start('Llama', 'chat_completions', 'stream');
    expect(await families(drt, 'requests_started_total', 'requests_total', 'active_requests')).toBe(
      lines(
        '# HELP dynamo_frontend_active_requests Number of requests currently being handled by the frontend, from HTTP handler entry to response completion',
        '# TYPE dynamo_frontend_active_requests gauge',
        'dynamo_frontend_active_requests{model="llama"} 1',
        '# HELP dynamo_frontend_requests_started_total Total number of LLM requests accepted by the frontend handler',
        '# TYPE dynamo_frontend_requests_started_total counter',
        'dynamo_frontend_requests_started_total{endpoint="chat_completions",model="llama",request_type="stream"} 1',
      ), // requests_total: no series yet, so not in the scrape
    );
    expect(sampleValue(await drt.prometheusExpfmt(), 'dynamo_frontend_inflight_requests')).toBe(1);
    request.finish();
    const text = await drt.prometheusExpfmt();
    expect(sampleValue(text, 'dynamo_frontend_active_requests')).toBe(0);
    expect(sampleValue(text, 'dynamo_frontend_inflight_requests')).toBe(0);
    expect(sampleValue(text, 'dynamo_frontend_requests_started_total')).toBe(1);
    expect(sampleValue(text, 'dynamo_frontend_requests_total')).toBe(1);
  });

  it('keeps each request in one stage until its first token: preprocess, route and dispatch by phase', async () => {
    const { drt, metrics } = frontend();
    const a = metrics.start('m', 'chat_completions', 'stream');
    const b = metrics.start('other', 'chat_completions', 'stream');
    const c = metrics.start('m', 'completions', 'unary');
    a.route('prefill');
    b.route();
    b.dispatch('decode');
    c.dispatch();
    expect([a.stage, b.stage, c.stage]).toEqual(['route', 'dispatch', 'dispatch']);
    expect(await families(drt, 'stage_requests')).toBe(
      lines(
        '# HELP dynamo_frontend_stage_requests Number of requests currently in the given pipeline stage',
        '# TYPE dynamo_frontend_stage_requests gauge',
        'dynamo_frontend_stage_requests{phase="",stage="preprocess"} 0',
        'dynamo_frontend_stage_requests{phase="aggregated",stage="dispatch"} 1',
        'dynamo_frontend_stage_requests{phase="aggregated",stage="route"} 0',
        'dynamo_frontend_stage_requests{phase="decode",stage="dispatch"} 1',
        'dynamo_frontend_stage_requests{phase="prefill",stage="route"} 1',
      ),
    );
    a.tokens();
    a.route('decode'); // after the first token: ignored
    b.fail('internal');
    c.finish();
    expect([a.stage, b.stage, c.stage]).toEqual([undefined, undefined, undefined]);
    const text = await drt.prometheusExpfmt();
    for (const [stage, phase] of [
      ['route', 'prefill'],
      ['dispatch', 'decode'],
      ['dispatch', 'aggregated'],
    ])
      expect(sampleValue(text, 'dynamo_frontend_stage_requests', { stage, phase })).toBe(0);
    expect(() => a.dispatch('both' as never)).toThrow(
      `Invalid frontend stage phase "both": expected 'prefill', 'decode' or 'aggregated'`,
    );
  });

  it('keeps the sum of stage_requests equal to the sum of queued_requests at every moment', async () => {
    const { drt, metrics } = frontend({ maxModels: 2 });
    const sums = async () => {
      const text = await drt.prometheusExpfmt();
      const sum = (name: string) =>
        text
          .split('\n')
          .filter((line) => line.startsWith(`dynamo_frontend_${name}{`))
          .reduce((total, line) => total + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
      return [sum('stage_requests'), sum('queued_requests')];
    };
    const phases = ['prefill', 'decode', 'aggregated'] as const;
    const open = [];
    // Three models for a limit of two: the third is __overflow__, counted in the stages too.
    for (let i = 0; i < 12; i++) {
      const request = metrics.start(`model-${i % 3}`, 'chat_completions', 'stream');
      open.push(request);
      if (i % 4 === 1) request.route(phases[i % 3]);
      if (i % 4 === 2) request.dispatch(phases[i % 3]);
      if (i % 4 === 3) request.tokens();
      const [stages, queued] = await sums();
      expect(stages).toBe(queued);
    }
    expect(await sums()).toEqual([9, 9]);
    for (const [i, request] of open.entries()) {
      if (i % 3 === 0) request.tokens(2);
      else if (i % 3 === 1) request.fail('cancelled');
      else request.finish();
      const [stages, queued] = await sums();
      expect(stages).toBe(queued);
    }
    expect(await sums()).toEqual([0, 0]);
  });

  it('counts client cancellations and overload rejections by model and endpoint', async () => {
    const { drt, metrics } = frontend();
    metrics.start('m', 'chat_completions', 'stream').fail('cancelled');
    metrics.start('m', 'chat_completions', 'unary').fail('cancelled');
    metrics.start('m', 'completions', 'unary').fail('overload');
    metrics.start('m', 'completions', 'stream').fail('overload');
    metrics.start('m', 'completions', 'stream').fail('internal');
    expect(
      await families(
        drt,
        'model_cancellation_total',
        'model_rejection_total',
        'disconnected_clients',
      ),
    ).toBe(
      lines(
        '# HELP dynamo_frontend_disconnected_clients Number of disconnected clients',
        '# TYPE dynamo_frontend_disconnected_clients gauge',
        'dynamo_frontend_disconnected_clients 2',
        '# HELP dynamo_frontend_model_cancellation_total Total number of request cancellations',
        '# TYPE dynamo_frontend_model_cancellation_total counter',
        'dynamo_frontend_model_cancellation_total{endpoint="chat_completions",model="m",request_type="stream"} 1',
        'dynamo_frontend_model_cancellation_total{endpoint="chat_completions",model="m",request_type="unary"} 1',
        '# HELP dynamo_frontend_model_rejection_total Total number of requests rejected due to resource exhaustion',
        '# TYPE dynamo_frontend_model_rejection_total counter',
        'dynamo_frontend_model_rejection_total{endpoint="completions",model="m"} 2',
      ),
    );
  });

  it('observes embedding_latency_seconds for the embeddings endpoint only, with its own buckets', async () => {
    const { drt, metrics } = frontend();
    const embedding = metrics.start('BGE', 'embeddings');
    wait(50);
    embedding.finish();
    const chat = metrics.start('bge', 'chat_completions');
    wait(20);
    chat.finish();
    expect(await families(drt, 'embedding_latency_seconds')).toBe(
      lines(
        '# HELP dynamo_frontend_embedding_latency_seconds End-to-end latency of /v1/embeddings requests, in seconds. Distinct from request_duration_seconds so the bucket range can cover sub-second pooling-model inference.',
        '# TYPE dynamo_frontend_embedding_latency_seconds histogram',
        'dynamo_frontend_embedding_latency_seconds_bucket{model="bge",le="0.01"} 0',
        'dynamo_frontend_embedding_latency_seconds_bucket{model="bge",le="0.1"} 1',
        'dynamo_frontend_embedding_latency_seconds_bucket{model="bge",le="+Inf"} 1',
        'dynamo_frontend_embedding_latency_seconds_sum{model="bge"} 0.05',
        'dynamo_frontend_embedding_latency_seconds_count{model="bge"} 1',
      ),
    );
    expect(
      sampleValue(await drt.prometheusExpfmt(), 'dynamo_frontend_request_duration_seconds_count', {
        model: 'bge',
      }),
    ).toBe(2);
  });

  it('observes the image, video and audio parts of a chat request once, 0 included', async () => {
    const { drt, metrics } = frontend();
    const request = metrics.start('vlm', 'chat_completions');
    const part = (type: string) => ({ type, [type]: { url: 'https://example.com/x' } });
    recordMediaParts(request, {
      model: 'vlm',
      messages: [
        { role: 'system', content: 'Describe.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'these' },
            part('image_url'),
            part('image_url'),
            part('video_url'),
          ],
        },
        { role: 'user', content: [part('image_url'), part('audio_url'), part('input_audio')] },
      ],
    });
    request.media(9, 9, 9); // once per request: ignored
    request.finish();
    recordMediaParts(metrics.start('vlm', 'chat_completions'), { messages: [] });
    recordMediaParts(metrics.start('vlm', 'completions'), { prompt: 'no messages' });
    const bucket = (le: number, value: number) => `{model="vlm",le="${le}"} ${value}`;
    const histogram = (name: string, help: string, count: number, sum: number) => [
      `# HELP dynamo_frontend_${name} ${help}`,
      `# TYPE dynamo_frontend_${name} histogram`,
      ...MEDIA_COUNT_BUCKETS.map(
        (le) =>
          // The text-only request's 0 is in every bucket.
          `dynamo_frontend_${name}_bucket` + bucket(le, 1 + (le >= sum ? 1 : 0)),
      ),
      `dynamo_frontend_${name}_bucket{model="vlm",le="+Inf"} ${count}`,
      `dynamo_frontend_${name}_sum{model="vlm"} ${sum}`,
      `dynamo_frontend_${name}_count{model="vlm"} ${count}`,
    ];
    expect(
      await families(drt, 'images_per_request', 'videos_per_request', 'audio_per_request'),
    ).toBe(
      lines(
        ...histogram('audio_per_request', 'Number of audio_url content parts per request', 2, 1),
        ...histogram('images_per_request', 'Number of image_url content parts per request', 2, 3),
        ...histogram('videos_per_request', 'Number of video_url content parts per request', 2, 1),
      ),
    );
    expect(() => request.media(-1, 0, 0)).toThrow('Invalid image count -1');
  });

  it('observes a unary answer as its first response: TTFT, the input length then, no ITL', async () => {
    const { drt, metrics } = frontend();
    const request = metrics.start('m', 'chat_completions', 'unary');
    request.inputTokens(42);
    wait(300);
    request.tokens(7); // the whole answer at once
    request.inputTokens(50); // later: the input length was observed at the first token
    wait(100);
    request.finish();
    const text = await drt.prometheusExpfmt();
    expect(sampleValue(text, 'dynamo_frontend_time_to_first_token_seconds_sum')).toBe(0.3);
    expect(text).not.toContain('dynamo_frontend_inter_token_latency_seconds_count');
    expect(sampleValue(text, 'dynamo_frontend_input_sequence_tokens_sum')).toBe(42);
    expect(sampleValue(text, 'dynamo_frontend_input_sequence_tokens_count')).toBe(1);
  });
});

describe('per-model configuration gauges', () => {
  const CONFIG_HELP = [
    ['model_context_length', 'Maximum context length in tokens for a worker serving the model'],
    ['model_kv_cache_block_size', 'KV cache block size in tokens for a worker serving the model'],
    [
      'model_max_num_batched_tokens',
      'Maximum number of batched tokens for a worker serving the model',
    ],
    ['model_max_num_seqs', 'Maximum number of sequences for a worker serving the model'],
    ['model_total_kv_blocks', 'Total KV cache blocks available for a worker serving the model'],
  ];
  const config = (drt: DistributedRuntime) => families(drt, ...CONFIG_HELP.map(([name]) => name));

  it('publishes what each declared model object gives, lower-cased; names stay plain names', async () => {
    const { drt, metrics } = frontend({
      models: [
        {
          name: 'Llama-3-8B',
          contextLength: 8192,
          kvCacheBlockSize: 16,
          totalKvBlocks: 4096,
          maxNumSeqs: 256,
          maxNumBatchedTokens: 8192,
        },
        { name: 'mistral', contextLength: 32768 },
        'qwen',
      ],
    });
    expect(await config(drt)).toBe(''); // not before the families are created
    metrics.register();
    const values: Record<string, string[]> = {
      model_context_length: ['llama-3-8b"} 8192', 'mistral"} 32768'],
      model_kv_cache_block_size: ['llama-3-8b"} 16'],
      model_max_num_batched_tokens: ['llama-3-8b"} 8192'],
      model_max_num_seqs: ['llama-3-8b"} 256'],
      model_total_kv_blocks: ['llama-3-8b"} 4096'],
    };
    expect(await config(drt)).toBe(
      lines(
        ...CONFIG_HELP.flatMap(([name, help]) => [
          `# HELP dynamo_frontend_${name} ${help}`,
          `# TYPE dynamo_frontend_${name} gauge`,
          ...values[name].map((value) => `dynamo_frontend_${name}{model="${value}`),
        ]),
      ),
    );
    expect([...metrics.models!]).toEqual(['llama-3-8b', 'mistral', 'qwen']);
    expect(metrics.modelLabel('QWEN')).toBe('qwen');

    // Declaring again replaces them: a model no longer configured leaves the scrape.
    metrics.declareModels(['llama-3-8b', { name: 'Mistral', contextLength: 16384 }]);
    expect(await config(drt)).toBe(
      lines(
        '# HELP dynamo_frontend_model_context_length Maximum context length in tokens for a worker serving the model',
        '# TYPE dynamo_frontend_model_context_length gauge',
        'dynamo_frontend_model_context_length{model="mistral"} 16384',
      ), // the other gauges have no series left, so are not in the scrape
    );
    metrics.declareModels(undefined);
    expect(await drt.prometheusExpfmt()).not.toMatch(/dynamo_frontend_model_\w+\{/);
  });

  it.each([
    [42, 'Invalid frontend models entry 42: expected a model name or { name, ... }'],
    [null, 'Invalid frontend models entry null: expected a model name or { name, ... }'],
    [
      { contextLength: 8 },
      'Invalid frontend models entry {"contextLength":8}: `name` must be a string',
    ],
    [
      { name: 'm', contextLen: 8 },
      'Invalid frontend models entry {"name":"m","contextLen":8}: unknown property "contextLen"',
    ],
    [
      { name: 'm', maxNumSeqs: 0 },
      'Invalid frontend models entry {"name":"m","maxNumSeqs":0}: `maxNumSeqs` must be a positive integer',
    ],
    [
      { name: 'm', totalKvBlocks: 1.5 },
      'Invalid frontend models entry {"name":"m","totalKvBlocks":1.5}: `totalKvBlocks` must be a positive integer',
    ],
    [
      { name: 'Unknown_Model' },
      'Invalid frontend model "Unknown_Model": "unknown_model" and "__overflow__" (in any case) are',
    ],
  ])('rejects the models entry %j, naming it', (entry, message) => {
    expect(() => frontend({ models: [entry as never] })).toThrow(message);
  });

  it('rejects two configurations of one model and leaves the declaration as it was', () => {
    const { metrics } = frontend({ models: ['a'] });
    expect(() =>
      metrics.declareModels([
        { name: 'M', contextLength: 8 },
        { name: 'm', contextLength: 16 },
      ]),
    ).toThrow('Invalid frontend models: "m" is declared with a configuration more than once');
    expect([...metrics.models!]).toEqual(['a']);
  });
});
