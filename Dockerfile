# syntax=docker/dockerfile:1.7
# One image pattern for every service: docker build --build-arg SERVICE=orders -t switchyard-orders .
# Targets: `runtime` (default, production: compiled JS, production dependencies only) and `dev`
# (skaffold's dev profile: the TypeScript sources under `tsx watch`, hot-reloaded by file sync).

ARG NODE_IMAGE=node:22.21.1-bookworm-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/kit/package.json packages/kit/
COPY packages/contracts/package.json packages/contracts/
COPY packages/devstack/package.json packages/devstack/
COPY services/gateway/package.json services/gateway/
COPY services/users/package.json services/users/
COPY services/catalog/package.json services/catalog/
COPY services/orders/package.json services/orders/
COPY services/payments/package.json services/payments/
COPY services/notifications/package.json services/notifications/
# Install scripts are not needed in the images (the only ones fetch Postgres for the local runner).
RUN npm ci --ignore-scripts --no-audit --no-fund

FROM deps AS build
ARG SERVICE
COPY tsconfig.json tsconfig.build.json ./
COPY proto proto
COPY packages packages
COPY services services
RUN test -n "${SERVICE}" && test -d "services/${SERVICE}" \
 && npx tsc -p packages/contracts/tsconfig.build.json \
 && npx tsc -p packages/kit/tsconfig.build.json \
 && npx tsc -p "services/${SERVICE}/tsconfig.build.json"

FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY --from=deps /app/package.json /app/package-lock.json ./
COPY --from=deps /app/packages packages
COPY --from=deps /app/services services
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS dev
ARG SERVICE
ENV SERVICE=${SERVICE} NODE_ENV=development
WORKDIR /app
COPY --from=deps /app/node_modules node_modules
COPY --chown=10001:10001 . .
USER 10001:10001
# tsx keeps its cache in /tmp, an emptyDir on Kubernetes (the root file system is read-only).
CMD ["sh", "-c", "exec node_modules/.bin/tsx watch --conditions=development services/${SERVICE}/src/main.ts"]

FROM ${NODE_IMAGE} AS runtime
ARG SERVICE
ENV NODE_ENV=production
WORKDIR /app
COPY --from=prod-deps /app/node_modules node_modules
COPY --from=build /app/package.json ./
COPY --from=build /app/proto proto
COPY --from=build /app/packages/contracts/package.json packages/contracts/
COPY --from=build /app/packages/contracts/dist packages/contracts/dist
COPY --from=build /app/packages/kit/package.json packages/kit/
COPY --from=build /app/packages/kit/dist packages/kit/dist
COPY --from=build /app/packages/kit/migrations packages/kit/migrations
# The service's package.json, dist and (where it has them) migrations.
COPY --from=build /app/services/${SERVICE} services/${SERVICE}
# `node dist/main.js` from /app: the link points at this image's service (node follows it to the
# real path, so the service finds its migrations next to its dist).
RUN ln -s "services/${SERVICE}/dist" dist
# A numeric non-root user (runAsNonRoot can verify it); nothing is written outside /tmp.
USER 10001:10001
EXPOSE 8080 9090
# node is PID 1 and receives SIGTERM directly; the kit drains and exits.
CMD ["node", "dist/main.js"]
