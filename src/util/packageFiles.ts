// Files of the connector's own package (package.json, schemas/), found by walking up from this module to the
// directory whose package.json is ours. The same code then works from the compiled files (dist/src/…), from the
// source (src/…, as tests import it) and from the bundled CLI (dist/src/cli.js), wherever the package is installed.
import { existsSync, readFileSync } from 'node:fs';

const PACKAGE_NAME = 'source-dynamodb';

let root: URL | undefined;

function packageRoot(): URL {
  if (root !== undefined) return root;
  let dir = new URL('.', import.meta.url);
  for (;;) {
    const manifest = new URL('package.json', dir);
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === PACKAGE_NAME) {
      root = dir;
      return dir;
    }
    const parent = new URL('..', dir);
    if (parent.href === dir.href) throw new Error(`Cannot find the ${PACKAGE_NAME} package (its package.json) above ${import.meta.url}`);
    dir = parent;
  }
}

/** A file of the package, by its path from the package root (e.g. schemas/spec.json). */
export function packageFile(path: string): URL {
  return new URL(path, packageRoot());
}

/** The version in the package's package.json. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as { version: string }).version;
}
