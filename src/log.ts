// Logging goes out through the same ordered output as everything else (Airbyte: LOG messages; Singer: stderr);
// code below the CLI logs through this callback and never touches stdout or stderr.
export type LogLevel = 'FATAL' | 'ERROR' | 'WARN' | 'INFO' | 'DEBUG' | 'TRACE';

export type Logger = (level: LogLevel, message: string) => void;
