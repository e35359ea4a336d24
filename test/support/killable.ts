// Runs the built CLI and kills it part-way: after N records of this run, or when a predicate over the records
// seen so far says so. Every complete stdout line is kept (also those already written when the signal lands, and
// what a SIGTERMed process writes on its way out); a partial last line is dropped, as a reader would.
import { spawn } from 'node:child_process';
import { CLI } from './cli.js';

export interface Run {
  lines: string[];
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface WatchOptions {
  /** Sends the signal once this returns true; called for every RECORD line with the count seen so far (1-based). */
  killWhen?: (recordLine: string, recordsSeen: number) => boolean;
  /** Called for every complete stdout line, in order (e.g. to change the table while the sync runs). */
  onLine?: (line: string) => void;
  /** Sends the signal once this returns true for a stdout line (any message, e.g. a STATE naming an export). */
  killOnLine?: (line: string) => boolean;
  signal?: NodeJS.Signals;
}

/** Runs the CLI with `args`; kills it with `options.signal` (SIGKILL by default) when `killWhen` first holds. */
export function runWatched(args: string[], options: WatchOptions = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let buffer = '';
    const lines: string[] = [];
    let recordsSeen = 0;
    let sent = false;
    child.stdout.on('data', (d: Buffer) => {
      buffer += d.toString();
      const parts = buffer.split('\n');
      buffer = parts.pop() ?? ''; // a partial last line is what a reader of a killed process would discard
      for (const line of parts) {
        lines.push(line);
        options.onLine?.(line);
        if (!sent && options.killOnLine?.(line)) {
          sent = true;
          child.kill(options.signal ?? 'SIGKILL');
        }
        if (line.startsWith('{"type":"RECORD"')) {
          recordsSeen++;
          if (!sent && options.killWhen?.(line, recordsSeen)) {
            sent = true;
            child.kill(options.signal ?? 'SIGKILL');
          }
        }
      }
    });
    child.stderr.resume();
    child.on('error', reject);
    child.on('close', (code, sig) => resolve({ lines, code, signal: sig }));
  });
}

/** Runs read and sends `signal` once `after` records of this run have come out (never, when after is Infinity). */
export function readUntil(args: string[], after: number, signal: NodeJS.Signals): Promise<Run> {
  return runWatched(args, { killWhen: (_line, seen) => seen >= after, signal });
}

/** The last STATE message of a run, as Airbyte would pass it back (an array of state messages), or undefined. */
export const lastStateOf = (lines: string[]): any[] | undefined => {
  const states = lines.filter((l) => l.startsWith('{"type":"STATE"'));
  return states.length === 0 ? undefined : [JSON.parse(states[states.length - 1]!)];
};
