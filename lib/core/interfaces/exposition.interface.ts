/** The two exposition formats: text 0.0.4 (Dynamo's) and OpenMetrics 1.0. */
export type ExpositionFormat = 'prometheus' | 'openmetrics';

/** Runs before each scrape of the level it was added to (or of a level above it). */
export type UpdateCallback = () => void | Promise<void>;

/**
 * Returns exposition text, in the format asked for, appended after the merged families (a
 * trailing `# EOF` is dropped: the scrape writes its own). Text in the wrong format is appended
 * as it is, so a callback that only knows the text format should return '' for `'openmetrics'`.
 */
export type ExpfmtCallback = (format: ExpositionFormat) => string | Promise<string>;

/** Where the core reports problems it does not throw for (failed callbacks, late name clashes). */
export interface MetricsLogger {
  warn(message: string): void;
}
