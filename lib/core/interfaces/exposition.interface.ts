/** The two exposition formats: text 0.0.4 (Dynamo's) and OpenMetrics 1.0. */
export type ExpositionFormat = 'prometheus' | 'openmetrics';

/** Runs before each scrape of the level it was added to (or of a level above it). */
export type UpdateCallback = () => void | Promise<void>;

/** Returns exposition text appended as-is after the merged families. */
export type ExpfmtCallback = () => string | Promise<string>;

/** Where the core reports problems it does not throw for (failed callbacks, late name clashes). */
export interface MetricsLogger {
  warn(message: string): void;
}
