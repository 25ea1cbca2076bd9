// Error and log texts of the frontend metrics.

import { truncate } from '../core/core.messages';

const show = (value: unknown) =>
  typeof value === 'string' ? JSON.stringify(value) : String(value);

/** A models entry as written (JSON where it can be, shortened). */
function showEntry(entry: unknown): string {
  let text: string;
  try {
    text = typeof entry === 'object' && entry !== null ? JSON.stringify(entry) : show(entry);
  } catch {
    text = String(entry);
  }
  return truncate(text ?? String(entry), 120);
}

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

export const invalidFrontendExemplarMessage = (error: unknown) =>
  `dynamo_frontend_* exemplar refused: ${error instanceof Error ? error.message : String(error)}; requests get no exemplar while the exemplar function gives such values`;

export const invalidNamespaceLabelMessage = (value: unknown) =>
  `Invalid frontend namespaceLabel ${show(value)}: expected the dynamo_namespace value (a non-empty string), or true in the Nest module for its namespace`;

export const invalidMaxModelsMessage = (value: unknown) =>
  `Invalid frontend maxModels ${show(value)}: expected a positive integer or Infinity`;

export const invalidModelsMessage = (value: unknown) =>
  `Invalid frontend models ${show(value)}: expected an array of model names or { name, ... } objects`;

export const invalidModelEntryMessage = (entry: unknown, problem: string) =>
  `Invalid frontend models entry ${showEntry(entry)}: ${problem} (a model is a name, or ` +
  `{ name, contextLength?, kvCacheBlockSize?, totalKvBlocks?, maxNumSeqs?, maxNumBatchedTokens? } ` +
  `with positive integers)`;

export const duplicateModelConfigMessage = (model: string) =>
  `Invalid frontend models: ${show(truncate(model, 32))} is declared with a configuration more ` +
  `than once (names are compared lower-cased); give each model one { name, ... } entry`;

export const invalidEndpointMessage = (value: unknown) =>
  `@DynamoFrontend() needs an endpoint name (e.g. { endpoint: 'chat_completions' }), got ${show(value)}`;

export const invalidRequestTypeMessage = (value: unknown) =>
  `Invalid frontend request type ${show(value)}: expected 'stream' or 'unary'`;

export const invalidPhaseMessage = (value: unknown) =>
  `Invalid frontend stage phase ${show(value)}: expected 'prefill', 'decode' or 'aggregated'`;

export const invalidTokenCountMessage = (what: string, value: unknown) =>
  `Invalid ${what} ${show(value)}: expected a non-negative integer`;

export const modelLimitMessage = (limit: number, model: string) =>
  `dynamo_frontend_* metrics reached their limit of ${limit} distinct model names; model ` +
  `${show(truncate(model))} and later new ones are labelled "__overflow__" and counted in ` +
  `dynamo_metrics_series_overflow_total. Declare the served models (frontend.models) or raise ` +
  `frontend.maxModels (at most maxSeriesPerMetric).`;

export const modelTooLongMessage = (limit: number, model: string) =>
  `dynamo_frontend_* metrics got a model name of ${model.length} characters ` +
  `(${show(truncate(model, 32))}), over maxLabelValueLength ${limit}; longer names are labelled ` +
  `"__overflow__" and counted in dynamo_metrics_series_overflow_total. Declare the served models ` +
  `(frontend.models) or raise maxLabelValueLength.`;

export const reservedModelMessage = (model: string) =>
  `dynamo_frontend_* metrics got the model name ${show(model)}, which marks the overflow series; ` +
  `requests for it are labelled "__overflow__" and counted in dynamo_metrics_series_overflow_total. ` +
  `Declare the served models (frontend.models) to label unknown names "unknown_model".`;

export const reservedDeclaredModelMessage = (model: string) =>
  `Invalid frontend model ${show(model)}: "unknown_model" and "__overflow__" (in any case) are ` +
  `the labels of undeclared and overflowing models; choose another name`;

export const longDeclaredModelMessage = (model: string, limit: number) =>
  `Invalid frontend model ${show(truncate(model, 32))} (${model.length} characters): model ` +
  `labels are at most maxLabelValueLength ${limit} long; raise maxLabelValueLength`;

export const frontendRecordingFailedMessage = (error: unknown) =>
  `Recording frontend metrics failed; the request was not affected: ${error instanceof Error ? error.message : String(error)}`;
