import { OPENMETRICS_CONTENT_TYPE, PROMETHEUS_CONTENT_TYPE } from './core.constants';
import type { ExpositionFormat } from './interfaces/exposition.interface';

/**
 * The format to answer an `Accept` header with: OpenMetrics 1.0 when the client prefers it at
 * least as much as plain text (Prometheus asks for it first), else the text format 0.0.4.
 */
export function negotiateFormat(accept: string | undefined): ExpositionFormat {
  if (!accept) return 'prometheus';
  let openMetrics = 0;
  let text = 0;
  for (const range of accept.split(',')) {
    const [type, ...params] = range.split(';').map((part) => part.trim().toLowerCase());
    let q = 1;
    let version: string | undefined;
    for (const param of params) {
      const [key, value] = param.split('=').map((part) => part.trim());
      if (key === 'q') q = Number(value);
      else if (key === 'version') version = value;
    }
    if (!(q > 0)) continue;
    if (type === 'application/openmetrics-text') {
      if (version === undefined || version === '1.0.0') openMetrics = Math.max(openMetrics, q);
    } else if (type === 'text/plain' || type === 'text/*' || type === '*/*') {
      text = Math.max(text, q);
    }
  }
  return openMetrics > 0 && openMetrics >= text ? 'openmetrics' : 'prometheus';
}

/** The `Content-Type` of a format. */
export function contentTypeOf(format: ExpositionFormat): string {
  return format === 'openmetrics' ? OPENMETRICS_CONTENT_TYPE : PROMETHEUS_CONTENT_TYPE;
}
