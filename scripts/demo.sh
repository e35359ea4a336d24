#!/usr/bin/env bash
# Installs everything (scripts/setup.sh), then runs the demo end to end (`npm run demo`: DynamoDB Local, sample
# tables, and the connector's spec, check, discover and read against them).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run demo
