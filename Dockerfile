# syntax=docker/dockerfile:1
# source-dynamodb as an Airbyte connector image: `docker build -t airbyte/source-dynamodb-ts:dev .`
# The image runs the connector CLI directly: `docker run --rm IMAGE spec`, `check --config …`, and so on.

# The base image: the official node:20-slim. Where no registry is reachable, a local image with the same layout
# stands in for it (scripts/base-image.sh builds one and tags it localhost/node:20-slim, which buildah resolves
# this name to); --build-arg BASE_IMAGE=… picks any other.
ARG BASE_IMAGE=node:20-slim

# --- build: install every dependency, compile TypeScript, bundle the CLI, then drop the dev dependencies ----
FROM ${BASE_IMAGE} AS build
WORKDIR /build
ENV NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json ./
COPY scripts/bundle-cli.mjs ./scripts/bundle-cli.mjs
COPY schemas ./schemas
COPY src ./src
# tsc, then the CLI bundled into one module (scripts/bundle-cli.mjs): a third of the start-up time.
RUN npm run build \
 && npm prune --omit=dev \
 && npm cache clean --force

# --- runtime: Node, the compiled connector, its spec and production dependencies; nothing else ---------------
FROM ${BASE_IMAGE}
WORKDIR /airbyte/integration_code
ENV NODE_ENV=production \
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
COPY --from=build /build/package.json ./package.json
COPY --from=build /build/node_modules ./node_modules
COPY --from=build /build/dist/src ./dist/src
COPY --from=build /build/schemas ./schemas

# Files stay owned by root (read-only for the connector); the process runs as the image's unprivileged user.
USER node

ENV AIRBYTE_ENTRYPOINT="node /airbyte/integration_code/dist/src/cli.js"
ENTRYPOINT ["node", "/airbyte/integration_code/dist/src/cli.js"]

LABEL io.airbyte.name=airbyte/source-dynamodb-ts
LABEL io.airbyte.version=0.1.0
