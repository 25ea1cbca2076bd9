import { invalidHealthStatusMessage } from './system.messages';

/** Dynamo's two health states. */
export type HealthStatus = 'ready' | 'notready';

/** The body of `/health` and `/live`: Dynamo's, with keys in this (sorted) order. */
export interface HealthReport {
  endpoints: Record<string, HealthStatus>;
  status: HealthStatus;
  uptime: { nanos: number; secs: number };
}

/** What a {@link SystemHealth} starts from. */
export interface SystemHealthOptions {
  /** The service's status until it is set. Default `notready`. */
  startingStatus?: HealthStatus;
  /** Endpoints that must all be ready for the service to be; `[]` means the service's own status decides. */
  useEndpointHealthStatus?: readonly string[];
  /** Seconds since the process's runtime started (the `uptime` of the report). */
  uptimeSeconds: () => number;
}

/**
 * The health a system status server reports, as Dynamo's `SystemHealth`: a status of the service
 * and one per endpoint. With `useEndpointHealthStatus`, the service is ready when all those
 * endpoints are; otherwise its own status decides. Once {@link beginShutdown} ran, everything
 * reads `notready` for good, so load balancers drain the process.
 */
export class SystemHealth {
  private status: HealthStatus;
  private readonly endpoints = new Map<string, HealthStatus>();
  private readonly required: readonly string[];
  private shuttingDown = false;
  private readonly uptimeSeconds: () => number;
  /** What the app set itself: {@link markStarted} leaves it alone. */
  private statusSet = false;
  private readonly endpointsSet = new Set<string>();

  constructor(options: SystemHealthOptions) {
    this.status = checkStatus(options.startingStatus ?? 'notready');
    this.required = [...(options.useEndpointHealthStatus ?? [])];
    this.uptimeSeconds = options.uptimeSeconds;
    // Listed endpoints are reported from the start, not ready until they say so.
    for (const name of this.required) this.endpoints.set(name, 'notready');
  }

  /** Sets the service's own status (what decides without `useEndpointHealthStatus`). */
  setStatus(status: HealthStatus): void {
    this.status = checkStatus(status);
    this.statusSet = true;
  }

  /** Sets an endpoint's status; the name is the endpoint's (`dynamo_endpoint`), as in Dynamo. */
  setEndpointStatus(endpoint: string, status: HealthStatus): void {
    this.endpoints.set(endpoint, checkStatus(status));
    this.endpointsSet.add(endpoint);
  }

  /** Reports these endpoints, `notready` until the app has started. @internal */
  addEndpoints(endpoints: Iterable<string>): void {
    for (const name of endpoints)
      if (!this.endpoints.has(name)) this.endpoints.set(name, 'notready');
  }

  /**
   * The app has started: the service and these endpoints turn ready, except what the app set
   * itself (it keeps deciding that). @internal
   */
  markStarted(endpoints: Iterable<string>): void {
    if (!this.statusSet) this.status = 'ready';
    for (const name of endpoints)
      if (!this.endpointsSet.has(name)) this.endpoints.set(name, 'ready');
  }

  /** An endpoint's status as reported, `undefined` for one never set. */
  endpointStatus(endpoint: string): HealthStatus | undefined {
    return this.shuttingDown && this.endpoints.has(endpoint)
      ? 'notready'
      : this.endpoints.get(endpoint);
  }

  /** Endpoints `useEndpointHealthStatus` requires. */
  get requiredEndpoints(): readonly string[] {
    return this.required;
  }

  /** Whether the service reads ready now. */
  isReady(): boolean {
    if (this.shuttingDown) return false;
    if (this.required.length > 0)
      return this.required.every((name) => this.endpoints.get(name) === 'ready');
    return this.status === 'ready';
  }

  /** From now on the service and every endpoint read `notready`. */
  beginShutdown(): void {
    this.shuttingDown = true;
  }

  /** Whether {@link beginShutdown} ran. */
  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /** The report `/health` and `/live` serve. */
  report(): HealthReport {
    const endpoints: Record<string, HealthStatus> = {};
    for (const name of [...this.endpoints.keys()].sort())
      endpoints[name] = this.endpointStatus(name)!;
    const uptime = Math.max(0, this.uptimeSeconds());
    const secs = Math.floor(uptime);
    return {
      endpoints,
      status: this.isReady() ? 'ready' : 'notready',
      uptime: { nanos: Math.min(999_999_999, Math.floor((uptime - secs) * 1e9)), secs },
    };
  }
}

function checkStatus(status: HealthStatus): HealthStatus {
  if (status !== 'ready' && status !== 'notready')
    throw new Error(invalidHealthStatusMessage(status));
  return status;
}
