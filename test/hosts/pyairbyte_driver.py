"""Runs source-dynamodb under PyAirbyte, as a user would, and reports what landed in PyAirbyte's DuckDB cache.

Usage: python pyairbyte_driver.py <args.json>, args = {
  "executable": path of the wrapper running `node dist/src/cli.js`,
  "config": the connector config,
  "cursors": {stream: cursor attribute}   (PyAirbyte reads every stream incrementally: the cursor is per stream),
  "postgres": {host, port, username, password, database, schema_name}   (optional: read into a PostgresCache
              there instead of the default DuckDB cache; the stored state then lives in that database),
}
The working directory (AIRBYTE_PROJECT_DIR) holds the default cache, .cache/default_cache/default_cache.duckdb,
and with it PyAirbyte's stored state: a second run in the same directory is an incremental read from that state.

Prints one JSON line on stdout: the check result, the streams, the records this read processed, and per stream
the cache table's columns (SQL types) and rows, and the stream state PyAirbyte stored.
"""

import dataclasses
import datetime
import decimal
import enum
import json
import sys
from pathlib import Path

import airbyte as ab
import sqlalchemy


def plain(value):
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if dataclasses.is_dataclass(value):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value) if getattr(value, f.name) is not None}
    if hasattr(value, "model_dump"):
        return plain(value.model_dump(mode="json", exclude_none=True))
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def main() -> None:
    args = json.loads(Path(sys.argv[1]).read_text())
    source = ab.get_source(
        "source-dynamodb",
        local_executable=args["executable"],
        config=args["config"],
    )
    source.check()  # raises if the connection check fails
    source.select_all_streams()
    for stream, cursor in args.get("cursors", {}).items():
        source.set_cursor_key(stream, cursor)

    if "postgres" in args:
        cache = ab.caches.PostgresCache(**args["postgres"])
    else:
        cache = ab.get_default_cache()
    result = source.read(cache=cache)

    report = {
        "check": "SUCCEEDED",
        "streams": sorted(source.get_selected_streams()),
        "processed_records": result.processed_records,
        "cache_path": str(getattr(cache, "db_path", "")),
        "tables": {},
    }
    engine = cache.get_sql_engine()
    state_provider = cache.get_state_provider(source_name=source.name)
    for stream in report["streams"]:
        table = cache[stream].to_sql_table()
        with engine.connect() as conn:
            rows = conn.execute(sqlalchemy.select(table)).mappings().all()
        state = state_provider.get_stream_state(stream, not_found=None)
        report["tables"][stream] = {
            "columns": {c.name: str(c.type) for c in table.columns},
            "rows": [plain(dict(r)) for r in rows],
            "state": plain(state),
        }
    print(json.dumps(report))


if __name__ == "__main__":
    main()
