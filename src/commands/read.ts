import { parseConfig } from '../config/validate.js';
import { parseConfiguredCatalog } from '../protocol/airbyte/configuredCatalog.js';
import { airbyteOutputs } from '../protocol/airbyte/fromEvents.js';
import type { Output } from '../protocol/airbyte/messages.js';
import { parseStateInput } from '../protocol/airbyte/stateInput.js';
import { readStreams, type ReadOptions } from '../read/read.js';

export async function* read(rawConfig: unknown, rawCatalog: unknown, rawState: unknown, options: ReadOptions = {}): AsyncGenerator<Output> {
  const config = parseConfig(rawConfig);
  // In DynamoDB Streams mode the cursor is the source's own (_ab_cdc_cursor): the catalog need not name one.
  const streams = parseConfiguredCatalog(rawCatalog, { sourceDefinedCursor: config.replication?.mode === 'dynamodb_streams' || config.replication?.mode === 's3_export' });
  const states = parseStateInput(rawState);
  yield* airbyteOutputs(readStreams(config, streams, states, options));
}
