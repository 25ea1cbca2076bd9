/**
 * Bytes of a value as JSON in UTF-8: what Nest's JSON transports (TCP, NATS, Redis, MQTT) and
 * the `ws` adapter put on the wire for a payload or a reply, envelope and framing aside. `0` for
 * `undefined` (not sent) and for what JSON cannot encode (the transport fails on it too). Not
 * exported from the package.
 */
export function jsonBytes(value: unknown): number {
  if (value === undefined) return 0;
  try {
    const text = JSON.stringify(value) as string | undefined;
    return text === undefined ? 0 : Buffer.byteLength(text);
  } catch {
    return 0;
  }
}

/** {@link jsonBytes} of a gateway's reply: `null` and `undefined` are not sent at all. Not exported from the package. */
export function sentJsonBytes(value: unknown): number {
  return value === null || value === undefined ? 0 : jsonBytes(value);
}
