// Error and log texts of the frontend metrics.

const show = (value: unknown) =>
  typeof value === 'string' ? JSON.stringify(value) : String(value);

export const invalidBucketEnvMessage = (
  prefix: string,
  min: unknown,
  max: unknown,
  count: unknown,
  defaults: { min: number; max: number; count: number },
) =>
  `Invalid histogram bucket configuration in ${prefix}_{MIN,MAX,COUNT} (min ${show(min)}, max ` +
  `${show(max)}, count ${show(count)}): min and max must be finite with 0 < min < max, count an ` +
  `integer from 1 to 512; using the defaults (${defaults.min}, ${defaults.max}, ${defaults.count})`;

export const unparsedBucketEnvMessage = (name: string, text: string, fallback: number) =>
  `${name}=${show(text)} is not a number; keeping its default ${fallback}`;

export const deprecatedBucketEnvMessage = (deprecated: string, current: string) =>
  `${deprecated} is deprecated (as in Dynamo): set ${current} instead`;

export const invalidMaxModelsMessage = (value: unknown) =>
  `Invalid frontend maxModels ${show(value)}: expected a positive integer or Infinity`;

export const invalidModelsMessage = (value: unknown) =>
  `Invalid frontend models ${show(value)}: expected an array of model names (strings)`;

export const invalidEndpointMessage = (value: unknown) =>
  `@DynamoFrontend() needs an endpoint name (e.g. { endpoint: 'chat_completions' }), got ${show(value)}`;

export const invalidRequestTypeMessage = (value: unknown) =>
  `Invalid frontend request type ${show(value)}: expected 'stream' or 'unary'`;

export const invalidTokenCountMessage = (what: string, value: unknown) =>
  `Invalid ${what} ${show(value)}: expected a non-negative integer`;

export const modelLimitMessage = (limit: number, model: string) =>
  `dynamo_frontend_* metrics reached their limit of ${limit} distinct model names; model ` +
  `${show(model.length > 64 ? model.slice(0, 64) + '…' : model)} and later new ones are labelled ` +
  `"__overflow__". Declare the served models (frontend.models) or raise frontend.maxModels.`;

export const frontendRecordingFailedMessage = (error: unknown) =>
  `Recording frontend metrics failed; the request was not affected: ${error instanceof Error ? error.message : String(error)}`;
