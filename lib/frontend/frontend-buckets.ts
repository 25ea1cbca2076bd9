import { isLogBucketRange, logBuckets } from '../core/log-buckets';
import { DEPRECATED_BUCKET_ENV_PREFIX, FRONTEND_BUCKET_DEFAULTS } from './frontend.constants';
import {
  deprecatedBucketEnvMessage,
  invalidBucketEnvMessage,
  unparsedBucketEnvMessage,
} from './frontend.messages';
import type { FrontendBuckets } from './interfaces';

/** The buckets of every frontend histogram, resolved once. Not exported from the package. */
export type ResolvedFrontendBuckets = {
  readonly [K in keyof FrontendBuckets]-?: readonly number[];
};

type Env = Readonly<Record<string, string | undefined>>;

// What Rust's `str::parse::<f64>()` and `::<usize>()` accept (no whitespace).
const F64 = /^[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|inf|infinity|nan)$/i;
const USIZE = /^\+?\d+$/;

/**
 * Each histogram's buckets: the option if given, else Dynamo's log buckets from
 * `DYN_METRICS_<NAME>_{MIN,MAX,COUNT}` (or the deprecated `DYN_HISTOGRAM_DYN_METRICS_<NAME>_*`,
 * with a warning), else Dynamo's defaults. As in Dynamo, a value that does not parse keeps its
 * default, and a range `logBuckets` rejects falls back to the defaults with a warning.
 */
export function resolveFrontendBuckets(
  given: FrontendBuckets,
  env: Env,
  warn: (message: string) => void,
): ResolvedFrontendBuckets {
  const resolve = (key: keyof FrontendBuckets) =>
    given[key] ?? bucketsFromEnv(FRONTEND_BUCKET_DEFAULTS[key], env, warn);
  return {
    requestDuration: resolve('requestDuration'),
    inputSequence: resolve('inputSequence'),
    outputSequence: resolve('outputSequence'),
    timeToFirstToken: resolve('timeToFirstToken'),
    interTokenLatency: resolve('interTokenLatency'),
    embeddingLatency: resolve('embeddingLatency'),
  };
}

function bucketsFromEnv(
  defaults: { env: string; min: number; max: number; count: number },
  env: Env,
  warn: (message: string) => void,
): number[] {
  const read = (
    suffix: 'MIN' | 'MAX' | 'COUNT',
    parse: (text: string) => number | undefined,
    fallback: number,
  ): number => {
    let name = `${defaults.env}_${suffix}`;
    let text = env[name];
    if (text === undefined) {
      const deprecated = DEPRECATED_BUCKET_ENV_PREFIX + name;
      text = env[deprecated];
      if (text === undefined) return fallback;
      warn(deprecatedBucketEnvMessage(deprecated, name));
      name = deprecated;
    }
    const value = parse(text);
    if (value !== undefined) return value;
    warn(unparsedBucketEnvMessage(name, text, fallback));
    return fallback;
  };
  const min = read('MIN', parseF64, defaults.min);
  const max = read('MAX', parseF64, defaults.max);
  const count = read('COUNT', parseUsize, defaults.count);
  if (isLogBucketRange(min, max, count)) return logBuckets(min, max, count);
  warn(invalidBucketEnvMessage(defaults.env, min, max, count, defaults));
  return logBuckets(defaults.min, defaults.max, defaults.count);
}

function parseUsize(text: string): number | undefined {
  return USIZE.test(text) ? Number(text) : undefined;
}

function parseF64(text: string): number | undefined {
  if (!F64.test(text)) return undefined;
  const lower = text.toLowerCase().replace(/^\+/, '');
  if (lower === 'inf' || lower === 'infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  return Number(text.replace(/^\+/, ''));
}
