// Retries with exponential backoff and full jitter for throttling, 5xx and dropped connections; each retry is
// logged so a user can see why a sync is slow. Everything else fails at once.
import type { Logger } from '../log.js';

const BASE_DELAY_MS = 100;
const MAX_DELAY_MS = 20_000;
/** A throttled request the caller does not count waits at most this long before it is sent again: throttling is per
 *  partition and per second, so a page whose partition was busy has a fair chance a moment later while the table
 *  serves the other segments, and each segment keeps moving. */
export const THROTTLE_MAX_DELAY_MS = 500;

const THROTTLING_ERRORS = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'Throttling',
  'RequestLimitExceeded',
  'LimitExceededException',
  'TooManyRequestsException',
]);

const TRANSIENT_ERRORS = new Set([
  'InternalServerError',
  'InternalFailure',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'TransactionInProgressException',
]);

const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH']);

interface AwsLikeError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}

export function isThrottling(err: unknown): boolean {
  return THROTTLING_ERRORS.has((err as AwsLikeError)?.name ?? '');
}

/** True for failures that may well succeed if the same request is sent again. */
export function isRetryable(err: unknown): boolean {
  const e = err as AwsLikeError;
  if (typeof e !== 'object' || e === null) return false;
  if (isThrottling(e) || TRANSIENT_ERRORS.has(e.name ?? '')) return true;
  if (e.code !== undefined && NETWORK_CODES.has(e.code)) return true;
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 500) return true;
  // A connection closed mid-response surfaces as a parse or "socket hang up" error without a status.
  return /socket hang up|ECONNRESET|premature close|aborted/i.test(e.message ?? '');
}

export interface RetryOptions {
  maxRetries: number;
  log: Logger;
  /** What is being attempted, for the log line: "Scan of orders segment 3/8". */
  what: string;
  /**
   * Whether a failure uses up one of maxRetries (default: every failure does). A throttle while the table keeps
   * serving other requests need not: the table is moving and this page waits its turn (its own backoff, which does
   * not hold back other segments).
   */
  counts?: (err: unknown) => boolean;
  /** Told of each wait before a retry, with its length (to report that a stream waits on throttling). */
  onRetry?: (err: unknown, delayMs: number) => void;
}

export async function withRetry<T>(operation: () => Promise<T>, options: RetryOptions): Promise<T> {
  let counted = 0;
  for (let attempt = 0; ; attempt++) {
    try {
      return await operation();
    } catch (err) {
      if (!isRetryable(err)) throw err;
      const counts = options.counts?.(err) ?? true;
      if (counts && counted >= options.maxRetries) throw err;
      if (counts) counted++;
      // A throttle the caller does not count (the table serves other requests) is retried soon; anything counted —
      // a throttle while the table serves nothing at all, a 500, a dropped connection — backs off exponentially.
      const delay = counts ? backoffDelay(counted - 1) : throttleDelay(attempt);
      const e = err as AwsLikeError;
      options.log(
        'WARN',
        `${options.what} failed with ${e.name ?? e.code ?? 'error'}: ${firstLine(e.message)}; retry ${counts ? counted : counted + 1}/${options.maxRetries} in ${delay} ms${counts ? '' : ' (the table serves other requests meanwhile: not counted)'}`,
      );
      options.onRetry?.(err, delay);
      await sleep(delay);
    }
  }
}

/** The backoff of a throttled request: as backoffDelay, capped at THROTTLE_MAX_DELAY_MS. */
export function throttleDelay(attempt: number): number {
  return jittered(Math.min(THROTTLE_MAX_DELAY_MS, BASE_DELAY_MS * 2 ** attempt));
}

/** The SDK appends multi-line advice for developers to some messages ("Deserialization error: … inspect the hidden
 *  field {error}.$response"); users get the first line, which says what happened. */
export const firstLine = (message: string | undefined): string => (message ?? '').split('\n', 1)[0]!.trim();

/** Full jitter: a random delay up to an exponentially growing cap, so parallel workers do not retry in lockstep. */
export function backoffDelay(attempt: number): number {
  return jittered(Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** attempt));
}

const jittered = (cap: number) => Math.round(cap / 2 + (Math.random() * cap) / 2);

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
