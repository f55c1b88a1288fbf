# LineTrust as a container: built once with the dev dependencies, run with production ones only.
#   docker build -t linetrust .
#   docker run -p 3000:3000 -v linetrust-data:/app/data -e PHONE_NUMBER_HASH_KEY=... linetrust
# compose.yaml runs a fleet of two on PostgreSQL. README "Container" says what was run, where.
ARG NODE_IMAGE=node:20-bookworm-slim

# Build: better-sqlite3 compiles from source (its prebuilt download is not relied on), Prisma's
# clients are generated and dist/ is compiled by npm ci's postinstall, then the dev
# dependencies are pruned so that the runtime stage copies production node_modules as built.
FROM ${NODE_IMAGE} AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
# node-gyp takes the headers of the image's Node.js (/usr/local/include/node) instead of
# downloading them from nodejs.org, which a build machine that reaches only the npm registry and
# Debian cannot.
ENV npm_config_nodedir=/usr/local
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY prisma ./prisma
COPY src ./src
RUN npm ci --no-audit --no-fund \
 && test -f dist/main.js \
 && npm prune --omit=dev --no-audit --no-fund

# Runtime: no compiler, no dev dependencies, no sources beyond the assets read at run time.
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    DATABASE_URL=file:/app/data/linetrust.db
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY prisma ./prisma
COPY rules ./rules
COPY src/explorer/static ./src/explorer/static
COPY src/signals/sandbox/demo-lines.json ./src/signals/sandbox/demo-lines.json
# The SQLite file (the default database) lives in a volume the non-root user can write.
# `linetrust` on the PATH: `docker compose exec linetrust-1 linetrust keys create ...`.
RUN mkdir -p /app/data && chown node:node /app/data \
 && chmod +x dist/cli/linetrust.js && ln -s /app/dist/cli/linetrust.js /usr/local/bin/linetrust
VOLUME ["/app/data"]
# `node` (uid 1000) comes with the official Node.js images; the code is root's, read-only to it.
USER node
EXPOSE 3000
# node, not curl: the slim image has no curl. /health/live answers without a key.
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node itself, not npm: SIGTERM reaches the service, which drains and exits (src/main.ts).
CMD ["node", "dist/main.js"]
