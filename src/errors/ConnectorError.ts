// An error that already knows how to present itself to the user: its failure_type decides who must act
// (config_error: the user; transient_error: try again; system_error: us).
/** Who must act: the user (config_error), nobody but time (transient_error), or us (system_error). */
export type FailureType = 'system_error' | 'config_error' | 'transient_error';

export class ConnectorError extends Error {
  constructor(
    readonly failureType: FailureType,
    message: string,
    readonly details: { stream?: string; cause?: unknown } = {},
  ) {
    super(message);
    this.name = 'ConnectorError';
  }
}

export const configError = (message: string, details: { stream?: string; cause?: unknown } = {}) =>
  new ConnectorError('config_error', message, details);
