# syntax=docker/dockerfile:1
# mcpentry-webhook image: build with the full toolchain, run with production dependencies
# only, as a non-root user, on the maintained Node LTS Debian base. Pin NODE_IMAGE by
# digest in release builds (node:24-bookworm-slim@sha256:...) and let a bot bump it.
ARG NODE_IMAGE=node:24-bookworm-slim

# ---- build: the same `npm ci` + `npm run build` CI runs ----
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` runs tsc, and the sources are not copied yet. The build
# below runs it explicitly, once.
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY schemas ./schemas
RUN npm run build

# ---- production dependencies, installed clean (no dev dependencies to prune) ----
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would need TypeScript, a dev dependency; no production
# dependency needs an install script.
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force

# ---- runtime ----
FROM ${NODE_IMAGE} AS runtime
# npm, npx and corepack are not needed to run the server; removing them removes their
# CVEs from the image.
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
    /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack
WORKDIR /app
ENV NODE_ENV=production
# In a container the metrics listener must bind the pod address (the server's own default
# is loopback, right for a laptop).
ENV MCPENTRY_METRICS_HOST=0.0.0.0
# Files stay owned by root and are not writable by the runtime user.
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/schemas ./schemas
# The reference source of last resort (`serve` with no cluster and no --objects), so
# `docker run` works on a laptop; in a cluster the in-cluster config is used instead.
COPY examples ./examples
COPY package.json ./
# The uid the Deployment's securityContext runs as (runAsUser: 65532); numeric so
# runAsNonRoot can verify it without a passwd entry.
USER 65532:65532
EXPOSE 8443 9090
# node is PID 1 on purpose: the server handles SIGTERM itself (readiness off, keep serving
# for the shutdown delay, drain in-flight reviews, exit), so no init process is needed.
# It spawns no children, so there are no zombies to reap.
ENTRYPOINT ["node", "dist/main.js"]
CMD ["serve", "--host", "0.0.0.0"]
