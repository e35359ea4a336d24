// Logging goes out as Airbyte LOG messages through the same ordered output as everything else; code below the
// CLI logs through this callback and never touches stdout or stderr.
import type { LogLevel } from './protocol/airbyte/messages.js';

export type Logger = (level: LogLevel, message: string) => void;
