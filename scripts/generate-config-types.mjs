// Generates src/config/spec.generated.ts from schemas/spec.json (the single source of the connection spec).
// `--check` exits non-zero when the committed file is stale, so CI catches a spec edited without regenerating.
import { readFile, writeFile } from 'node:fs/promises';
import { compile } from 'json-schema-to-typescript';

const root = new URL('..', import.meta.url);
const target = new URL('src/config/spec.generated.ts', root);
const spec = JSON.parse(await readFile(new URL('schemas/spec.json', root), 'utf8'));

const generated = await compile(spec.connectionSpecification, 'SourceDynamoDBConfig', {
  bannerComment: '/* Generated from schemas/spec.json by scripts/generate-config-types.mjs. Do not edit. */',
  additionalProperties: false,
  style: { singleQuote: true },
});

if (process.argv.includes('--check')) {
  const current = await readFile(target, 'utf8').catch(() => '');
  if (current !== generated) {
    console.error('src/config/spec.generated.ts is stale: run `npm run gen:types` and commit the result.');
    process.exit(1);
  }
  console.log('src/config/spec.generated.ts is up to date.');
} else {
  await writeFile(target, generated);
  console.log('wrote src/config/spec.generated.ts');
}
