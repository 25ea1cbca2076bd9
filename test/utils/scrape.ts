/**
 * The value of the one sample of `metric` whose labels include `labels`, from exposition text;
 * throws when there is none or more than one.
 */
export function sampleValue(
  text: string,
  metric: string,
  labels: Record<string, string> = {},
): number {
  const wanted = Object.entries(labels).map(([name, value]) => `${name}="${value}"`);
  const found = text.split('\n').filter((line) => {
    if (!line.startsWith(metric + '{') && !line.startsWith(metric + ' ')) return false;
    const labelText = line.slice(metric.length).split('} ')[0];
    return wanted.every((pair) => labelText.includes(pair));
  });
  if (found.length !== 1) {
    throw new Error(
      `expected one sample of ${metric} ${JSON.stringify(labels)}, found ${found.length}:\n${found.join('\n')}`,
    );
  }
  return Number(found[0].slice(found[0].lastIndexOf(' ') + 1));
}

/** Every work-handler counter of the endpoint whose labels include `labels`, as numbers. */
export function workHandlerCounts(text: string, labels: Record<string, string>) {
  const value = (metric: string, extra: Record<string, string> = {}) =>
    sampleValue(text, `dynamo_component_${metric}`, { ...labels, ...extra });
  return {
    requests: value('requests_total'),
    inflight: value('inflight_requests'),
    durations: value('request_duration_seconds_count'),
    requestBytes: value('request_bytes_total'),
    responseBytes: value('response_bytes_total'),
    generate: value('errors_total', { error_type: 'generate' }),
    responseStream: value('errors_total', { error_type: 'response_stream' }),
    cancelled: value('cancellation_total'),
  };
}

/** The counters of {@link workHandlerCounts} that are 0 for a request that went well. */
export const WORK_HANDLER_OK = { inflight: 0, generate: 0, responseStream: 0, cancelled: 0 };
