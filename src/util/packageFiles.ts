// Files of the connector's own package (package.json, schemas/), found by walking up from this module to the
// directory whose package.json is ours. The same code then works from the compiled files (dist/src/…), from the
// source (src/…, as tests import it) and from the bundled CLI (dist/src/cli.js), wherever the package is installed.
import { existsSync, readFileSync } from 'node:fs';

const PACKAGE_NAME = 'source-dynamodb';

interface Manifest {
  name?: unknown;
  version: string;
}

let found: { root: URL; manifest: Manifest } | undefined;

/** The package root and its parsed package.json, found once. */
function ourPackage(): { root: URL; manifest: Manifest } {
  if (found !== undefined) return found;
  let dir = new URL('.', import.meta.url);
  for (;;) {
    const path = new URL('package.json', dir);
    if (existsSync(path)) {
      const manifest = JSON.parse(readFileSync(path, 'utf8')) as Manifest;
      if (manifest.name === PACKAGE_NAME) {
        found = { root: dir, manifest };
        return found;
      }
    }
    const parent = new URL('..', dir);
    if (parent.href === dir.href) throw new Error(`Cannot find the ${PACKAGE_NAME} package (its package.json) above ${import.meta.url}`);
    dir = parent;
  }
}

/** A file of the package, by its path from the package root (e.g. schemas/spec.json). */
export function packageFile(path: string): URL {
  return new URL(path, ourPackage().root);
}

/** The version in the package's package.json. */
export function packageVersion(): string {
  return ourPackage().manifest.version;
}
