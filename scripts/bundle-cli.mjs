// Bundles the CLI into one ES module (plus a chunk per on-demand import, such as the S3 client) in place of tsc's
// dist/src/cli.js. Loading the SDK's hundreds of files one by one cost most of a run's start-up: about 0.9 s of CPU
// unbundled, 0.4 s bundled, paid by every spec, check, discover and read. The library (dist/src/index.js) stays
// unbundled for importers. Run after tsc (npm run build does both).
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// Chunk names carry a hash of their content: drop the ones of earlier builds.
rmSync(new URL('../dist/src/chunks', import.meta.url), { recursive: true, force: true });

await build({
  absWorkingDir: root,
  entryPoints: { cli: 'dist/src/cli.js' },
  outdir: 'dist/src',
  allowOverwrite: true,
  bundle: true,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // The SDK's CommonJS files require Node built-ins; an ES module bundle gives them a real require.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  legalComments: 'none',
  logLevel: 'warning',
});
