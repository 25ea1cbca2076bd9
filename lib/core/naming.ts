import {
  emptyNameMessage,
  invalidLabelNameMessage,
  onlyInvalidCharactersMessage,
} from './core.messages';

// `u`: one `_` per character (code point), as Dynamo's Rust regex does, not per UTF-16 unit.
const METRIC_INVALID_CHARS = /[^a-zA-Z0-9_:]/gu;
const LABEL_INVALID_CHARS = /[^a-zA-Z0-9_]/gu;
const ONLY_UNDERSCORES = /^_+$/;
const VALID_LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const VALID_METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** Dynamo's metric-name sanitizer: invalid characters become `_`, a leading digit gets `_`. */
export function sanitizeMetricName(raw: string): string {
  if (raw.length === 0) throw new Error(emptyNameMessage('name'));
  let sanitized = raw.replace(METRIC_INVALID_CHARS, '_');
  if (/^[0-9]/.test(sanitized)) sanitized = '_' + sanitized;
  if (ONLY_UNDERSCORES.test(sanitized)) throw new Error(onlyInvalidCharactersMessage(raw, 'name'));
  return sanitized;
}

/** Dynamo's label sanitizer (used for hierarchy names that become label values). */
export function sanitizeLabelName(raw: string): string {
  if (raw.length === 0) throw new Error(emptyNameMessage('label'));
  let sanitized = raw.replace(LABEL_INVALID_CHARS, '_');
  if (/^[0-9]/.test(sanitized)) sanitized = '_' + sanitized;
  if (sanitized.startsWith('__')) {
    sanitized = sanitized.slice(2);
    if (!/^[a-zA-Z]/.test(sanitized)) sanitized = '_' + sanitized;
  }
  if (ONLY_UNDERSCORES.test(sanitized)) throw new Error(onlyInvalidCharactersMessage(raw, 'label'));
  return sanitized;
}

/** User label names are not rewritten: they must already be valid. */
export function assertValidLabelName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !isValidLabelName(name)) {
    throw new Error(invalidLabelNameMessage(name));
  }
}

export function isValidMetricName(name: string): boolean {
  return VALID_METRIC_NAME.test(name);
}

export function isValidLabelName(name: string): boolean {
  return VALID_LABEL_NAME.test(name) && !name.startsWith('__');
}
