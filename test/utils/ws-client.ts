import WebSocket from 'ws';

/** A real `ws` client that collects every JSON frame it receives. */
export class WsClient {
  readonly received: unknown[] = [];
  /** Payload bytes of each frame received, in order. */
  readonly sizes: number[] = [];
  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => {
      this.sizes.push(data.length);
      this.received.push(JSON.parse(String(data)));
    });
  }

  /** Payload bytes of the frames received whose `event` is one of `events` (all without). */
  bytes(...events: string[]): number {
    return this.sizes.reduce((total, size, i) => {
      const event = (this.received[i] as { event?: string }).event;
      return events.length === 0 || events.includes(event!) ? total + size : total;
    }, 0);
  }

  static async connect(url: string): Promise<WsClient> {
    const socket = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return new WsClient(socket);
  }

  send(event: string, data: unknown): void {
    this.socket.send(JSON.stringify({ event, data }));
  }

  /** Waits until `count` frames in all have arrived. */
  async frames(count: number, timeoutMs = 5000): Promise<unknown[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < count) {
      if (Date.now() > deadline)
        throw new Error(`${this.received.length} frames arrived, not ${count}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return this.received;
  }

  close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.close();
    });
  }
}
