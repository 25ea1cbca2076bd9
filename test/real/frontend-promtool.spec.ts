import { spawnSync } from 'node:child_process';
import { DistributedRuntime, FrontendMetrics } from '../../lib/core';
import { realTool } from '../utils/real-tools';

const promtool = realTool('promtool', 'apt-get install prometheus');

// The framework-free FrontendMetrics (what runs without Nest, and in `npm run bench:frontend`),
// with Dynamo's default buckets: 0.0022, 130000 and the rest must be written as promtool reads them.
(promtool ? describe : describe.skip)(
  'promtool check metrics: FrontendMetrics without Nest',
  () => {
    it('accepts every dynamo_frontend_* family with the default buckets, next to the hierarchy', async () => {
      const drt = new DistributedRuntime({ constLabels: { service: 'gateway' } });
      drt.namespace('dynamo').component('backend').createCounter('tokens_total', 'Tokens').inc();
      const llama = {
        name: 'llama',
        contextLength: 8192,
        kvCacheBlockSize: 16,
        totalKvBlocks: 4096,
        maxNumSeqs: 256,
        maxNumBatchedTokens: 8192,
      };
      const metrics = new FrontendMetrics(drt, { models: [llama] }, { env: {} });
      const ok = metrics.start('Llama', 'chat_completions', 'stream');
      ok.media(2, 1, 0);
      ok.route('prefill');
      ok.dispatch('decode');
      ok.chunk({ choices: [{ delta: { content: 'a' } }] });
      ok.chunk('data: {"choices":[{"delta":{"content":"b"}}]}\n\n');
      ok.chunk({
        choices: [],
        usage: {
          prompt_tokens: 9,
          completion_tokens: 2,
          prompt_tokens_details: { cached_tokens: 3 },
        },
      });
      ok.finish();
      metrics.start('gpt-4', 'completions').fail('not_found');
      metrics.start('llama', 'chat_completions', 'stream').fail('cancelled');
      metrics.start('llama', 'embeddings').fail('overload');
      const text = await drt.prometheusExpfmt();
      expect(text).toContain(
        'dynamo_frontend_time_to_first_token_seconds_bucket{model="llama",service="gateway",le="0.0022"} ',
      );
      expect(text).toContain(
        'dynamo_frontend_input_sequence_tokens_bucket{model="llama",service="gateway",le="130000"} 1\n',
      );
      // Spec 8's eleven families and 11.1's fourteen.
      expect(text.match(/^# TYPE dynamo_frontend_/gm)).toHaveLength(25);

      const check = spawnSync(promtool!, ['check', 'metrics'], { input: text, encoding: 'utf8' });
      expect(check.stdout + check.stderr).toBe('');
      expect(check.status).toBe(0);
    });
  },
);
