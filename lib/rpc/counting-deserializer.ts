import type { WorkHandlerMetrics } from '../core/work-handler-metrics';

/** A Nest microservice deserializer (`@nestjs/microservices`'s `Deserializer`), typed here so the package never loads it. */
export interface RpcDeserializer {
  deserialize(value: unknown, options?: Record<string, unknown>): unknown;
}

// The metrics of each measured pattern, by the channel Nest subscribes it on (a string or number
// pattern as is), of the apps running now. The last app to bind a channel counts its failures.
const byChannel = new Map<string, WorkHandlerMetrics[]>();

/** Counts the failures of `channel` on `metrics` until the returned function is called. Not exported from the package. */
export function registerChannel(channel: string, metrics: WorkHandlerMetrics): () => void {
  let list = byChannel.get(channel);
  if (!list) byChannel.set(channel, (list = []));
  list.push(metrics);
  return () => {
    const index = list.indexOf(metrics);
    if (index >= 0) list.splice(index, 1);
    if (list.length === 0 && byChannel.get(channel) === list) byChannel.delete(channel);
  };
}

/**
 * Wraps a microservice's deserializer so that a message it cannot decode counts, on the
 * `@DynamoEndpoint()` handler of its channel, as a request with a `deserialization` error and
 * its raw bytes as request bytes. Nest drops such a message before any handler sees it. The
 * error passes on unchanged. Works where the transport names the channel (NATS, Redis, MQTT,
 * Kafka) and the handler's pattern is a string or number:
 * `deserializer: countDeserializationErrors(new NatsRequestJSONDeserializer())`.
 */
export function countDeserializationErrors(deserializer: RpcDeserializer): RpcDeserializer {
  const count = (value: unknown, options: Record<string, unknown> | undefined) => {
    const channel = options?.channel;
    const list = typeof channel === 'string' ? byChannel.get(channel) : undefined;
    const metrics = list?.[list.length - 1];
    if (!metrics) return;
    try {
      metrics.requests.inc();
      metrics.requestBytes.incBy(rawBytes(value));
      metrics.duration.observe(0);
      metrics.error('deserialization');
    } catch {
      // Recording never changes what the transport does with the message.
    }
  };
  return {
    deserialize(value, options) {
      let result: unknown;
      try {
        result = deserializer.deserialize(value, options);
      } catch (error) {
        count(value, options);
        throw error;
      }
      if (typeof (result as { then?: unknown } | null)?.then !== 'function') return result;
      return (result as Promise<unknown>).then(undefined, (error: unknown) => {
        count(value, options);
        throw error;
      });
    },
  };
}

/** Bytes of a raw message: a NATS message's `data`, a Buffer, a string. */
function rawBytes(value: unknown): number {
  const data = (value as { data?: unknown } | null)?.data ?? value;
  if (typeof data === 'string') return Buffer.byteLength(data);
  if (data instanceof Uint8Array) return data.byteLength;
  return 0;
}
