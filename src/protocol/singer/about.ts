// --about: what Meltano and the Singer SDK print to describe a tap: name, description, capabilities and settings
// (from schemas/spec.json, the same settings as Airbyte mode).
import { connectorSpecification } from '../../config/spec.js';
import type { JsonObject } from '../airbyte/messages.js';

const NAME = 'source-dynamodb';
const DESCRIPTION = 'Amazon DynamoDB: parallel resumable scans, exact 38-digit numbers, change data capture from DynamoDB Streams, exports to S3.';
const CAPABILITIES = ['catalog', 'discover', 'state', 'about'];

export function aboutInfo(): JsonObject {
  return {
    name: NAME,
    description: DESCRIPTION,
    capabilities: CAPABILITIES,
    settings: connectorSpecification.connectionSpecification,
  };
}

export function aboutMarkdown(): string {
  const settings = connectorSpecification.connectionSpecification as { properties?: Record<string, { type?: unknown; description?: string; title?: string }>; required?: string[] };
  const rows = Object.entries(settings.properties ?? {}).map(([name, s]) => {
    const type = Array.isArray(s.type) ? s.type.join(' | ') : String(s.type ?? 'object');
    const required = settings.required?.includes(name) ? 'yes' : 'no';
    return `| ${name} | ${type} | ${required} | ${(s.description ?? s.title ?? '').replaceAll('|', '\\|')} |`;
  });
  return [
    `# ${NAME}`,
    '',
    DESCRIPTION,
    '',
    '## Capabilities',
    '',
    ...CAPABILITIES.map((c) => `- \`${c}\``),
    '',
    '## Settings',
    '',
    '| Setting | Type | Required | Description |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}
