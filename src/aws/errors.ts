// Maps AWS failures onto the protocol's failure types, with a message that says what the user can do.
import { ConnectorError } from '../errors/ConnectorError.js';
import { firstLine, isRetryable } from './retry.js';

const CREDENTIAL_ERRORS = new Set([
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'MissingAuthenticationTokenException',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'CredentialsProviderError',
  'IncompleteSignatureException',
]);

export function awsErrorName(err: unknown): string {
  const e = err as { name?: string; code?: string };
  return e?.name ?? e?.code ?? 'Error';
}

export function isAccessDenied(err: unknown): boolean {
  const name = awsErrorName(err);
  return name === 'AccessDeniedException' || name === 'AccessDenied' || name === 'UnauthorizedOperation';
}

export function isNotFound(err: unknown): boolean {
  return awsErrorName(err) === 'ResourceNotFoundException';
}

/**
 * @param action the IAM action that failed, e.g. "dynamodb:Scan"
 * @param resource what it was attempted on, e.g. "table orders"
 */
export function toConnectorError(err: unknown, action: string, resource: string, stream?: string): ConnectorError {
  if (err instanceof ConnectorError) return err;
  const name = awsErrorName(err);
  const detail = firstLine((err as Error)?.message ?? String(err));
  const details = { cause: err, ...(stream !== undefined ? { stream } : {}) };
  if (isAccessDenied(err)) {
    return new ConnectorError('config_error', `Access denied: ${action} on ${resource} is not allowed for these credentials. Grant ${action} (${detail})`, details);
  }
  if (isNotFound(err)) {
    return new ConnectorError('config_error', `${capitalize(resource)} does not exist in this account and region (${detail})`, details);
  }
  if (CREDENTIAL_ERRORS.has(name)) {
    return new ConnectorError('config_error', `The AWS credentials were rejected during ${action} on ${resource}: ${name}: ${detail}`, details);
  }
  if (isRetryable(err)) {
    return new ConnectorError('transient_error', `${action} on ${resource} kept failing after retries: ${name}: ${detail}`, details);
  }
  return new ConnectorError('system_error', `${action} on ${resource} failed: ${name}: ${detail}`, details);
}

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
