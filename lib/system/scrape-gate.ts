import { createHash, timingSafeEqual } from 'node:crypto';
import type { ScrapeCredentials } from './interfaces/system-server-options.interface';
import { authorizeFailedMessage } from './system.messages';

/** Why a scrape was refused: what to answer instead of the metrics. */
export interface ScrapeDenial {
  status: number;
  body: string;
  headers: Record<string, string>;
}

/** A user's check of a scrape request, after the credentials (a Nest guard, adapted). */
export type ScrapeGuardCall = () => boolean | Promise<boolean>;

/**
 * Decides whether a request may read `/metrics`: the configured credentials (a bearer token or
 * basic auth, either accepted), then the user's guard. Secrets are compared as the SHA-256 digests
 * of their UTF-8 bytes with `timingSafeEqual`, so neither their length nor their content shows in
 * the time taken. The credentials come from `resolveCredentials` (trimmed and checked).
 */
export class ScrapeGate {
  private readonly token: Buffer | undefined;
  private readonly basic: Buffer | undefined;
  private readonly challenge: string;

  constructor(
    credentials: ScrapeCredentials | undefined,
    /** Whether a user guard runs too (it is passed to {@link check} per request). */
    private readonly guarded: boolean,
    private readonly report: (message: string) => void,
  ) {
    this.token =
      credentials?.bearerToken === undefined ? undefined : digest(credentials.bearerToken);
    if (credentials?.username !== undefined)
      this.basic = digest(`${credentials.username}:${credentials.password}`);
    const challenges: string[] = [];
    if (this.token) challenges.push('Bearer realm="metrics"');
    if (this.basic) challenges.push('Basic realm="metrics", charset="UTF-8"');
    this.challenge = challenges.join(', ');
  }

  /** Whether any check is configured. */
  get enabled(): boolean {
    return this.token !== undefined || this.basic !== undefined || this.guarded;
  }

  /** `undefined` when the scrape may go ahead, else what to answer. */
  async check(
    authorization: string | string[] | undefined,
    guard?: ScrapeGuardCall,
  ): Promise<ScrapeDenial | undefined> {
    if ((this.token || this.basic) && !this.credentialsMatch(authorization)) return this.refuse();
    if (!guard) return undefined;
    try {
      // Truthy lets through, as Nest's guards consumer decides; the credentials (if any) were
      // right, so a refusal is 403, not a challenge.
      return (await guard()) ? undefined : answer(403, 'Forbidden');
    } catch (error) {
      const status = statusOf(error);
      if (status !== undefined) return answer(status, messageOf(error));
      this.report(authorizeFailedMessage(error));
      return answer(500, 'Failed to authorize');
    }
  }

  private credentialsMatch(authorization: string | string[] | undefined): boolean {
    if (typeof authorization !== 'string') return false;
    const space = authorization.indexOf(' ');
    if (space < 0) return false;
    const scheme = authorization.slice(0, space).toLowerCase();
    const value = authorization.slice(space + 1);
    // Whitespace around a secret is no part of it, on either side (see resolveCredentials).
    if (scheme === 'bearer' && this.token) {
      const token = sentText(headerBytes(value));
      return token !== undefined && same(digest(token.trim()), this.token);
    }
    if (scheme === 'basic' && this.basic) {
      // RFC 7617: base64 of the UTF-8 bytes of `user-id:password`.
      const bytes = Buffer.from(value.trim(), 'base64');
      const colon = bytes.indexOf(COLON);
      if (colon < 0) return false;
      const user = sentText(bytes.subarray(0, colon));
      const password = sentText(bytes.subarray(colon + 1));
      return (
        user !== undefined &&
        password !== undefined &&
        same(digest(`${user.trim()}:${password.trim()}`), this.basic)
      );
    }
    return false;
  }

  private refuse(): ScrapeDenial {
    const headers: Record<string, string> = { 'content-type': TEXT };
    if (this.challenge) headers['www-authenticate'] = this.challenge;
    return { status: 401, body: 'Unauthorized', headers };
  }
}

const TEXT = 'text/plain; charset=utf-8';
const COLON = 0x3a;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The bytes a header value was sent as. Node's HTTP parsers give header values as latin1 strings,
 * one character per byte; a value with a character beyond U+00FF was made in JavaScript (decoded
 * already), and is taken as UTF-8.
 */
function headerBytes(value: string): Buffer {
  return Buffer.from(value, /[\u0100-\uffff]/.test(value) ? 'utf8' : 'latin1');
}

/** The text of bytes a client sent as UTF-8; `undefined` when they are not UTF-8 (no secret is). */
function sentText(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

function answer(status: number, body: string): ScrapeDenial {
  return { status, body, headers: { 'content-type': TEXT } };
}

function digest(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

function same(a: Buffer, b: Buffer): boolean {
  return timingSafeEqual(a, b);
}

/** The status of an `HttpException` a guard threw (duck-typed: this file stays free of Nest). */
function statusOf(error: unknown): number | undefined {
  const getStatus = (error as { getStatus?: unknown } | null)?.getStatus;
  if (typeof getStatus !== 'function') return undefined;
  const status: unknown = getStatus.call(error);
  return typeof status === 'number' && status >= 400 && status < 600 ? status : undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error && error.message ? error.message : 'Forbidden';
}
