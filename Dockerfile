# One image pattern for every service: docker build --build-arg SERVICE=orders -t switchyard-orders:0.1.0 .
# (`npm run images` builds all six.) Targets: `runtime` (default, production) and `dev` (skaffold's dev
# profile: the TypeScript sources under `tsx watch`, hot-reloaded by file sync).
#
# The stages before `ARG SERVICE` do not depend on the service, so the six builds share them: the
# workspace's dependencies are installed once and every package is compiled once; per service only its
# production dependencies are installed (offline, from the npm cache of the first stage) and copied.
# Written for docker's legacy builder as well as BuildKit (no RUN --mount, no heredocs).

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
COPY web/package.json web/
COPY packages/loadgen/package.json packages/loadgen/
# Install scripts are not needed in the images (the only ones fetch Postgres for the local runner).
# The npm cache this leaves in /root/.npm feeds the offline per-service installs below.
RUN npm ci --ignore-scripts --no-audit --no-fund

FROM deps AS build
COPY tsconfig.json tsconfig.build.json ./
COPY proto proto
COPY packages packages
COPY services services
COPY web web
RUN npx tsc -p packages/contracts/tsconfig.build.json \
 && npx tsc -p packages/kit/tsconfig.build.json \
 && for s in gateway users catalog orders payments notifications; do npx tsc -p "services/$s/tsconfig.build.json" || exit 1; done \
 && npx tsc -p packages/loadgen/tsconfig.build.json \
 && npm run build -w web

# Node itself without npm, corepack or a shell: the binary (symbols stripped, -18 MB), the shared
# libraries it links, and a passwd entry for the numeric user. This is what keeps every image < 200 MB.
FROM ${NODE_IMAGE} AS node-runtime
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends binutils >/dev/null \
 && mkdir -p /rootfs/usr/local/bin /rootfs/etc /rootfs/tmp /rootfs/app \
 && chmod 1777 /rootfs/tmp \
 && strip --strip-all -o /rootfs/usr/local/bin/node /usr/local/bin/node \
 && for lib in $(ldd /usr/local/bin/node | grep -o '/[^ ]*'); do cp --parents -L "$lib" /rootfs; done \
 && printf 'root:x:0:0:root:/root:/sbin/nologin\nswitchyard:x:10001:10001:switchyard:/app:/sbin/nologin\n' > /rootfs/etc/passwd \
 && printf 'root:x:0:\nswitchyard:x:10001:\n' > /rootfs/etc/group

FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY --from=deps /root/.npm /root/.npm
COPY --from=deps /app/package.json /app/package-lock.json ./
COPY --from=deps /app/packages packages
COPY --from=deps /app/services services
COPY --from=deps /app/web/package.json web/
COPY --from=build /app/proto /build/proto
COPY --from=build /app/web/dist /build/web/dist
COPY --from=build /app/packages /build/packages
COPY --from=build /app/services /build/services
COPY scripts/images/assemble-runtime.sh /usr/local/bin/assemble-runtime
ARG SERVICE
RUN test -n "${SERVICE}" && { test -d "services/${SERVICE}" || test "${SERVICE}" = loadgen; } && assemble-runtime "${SERVICE}" /build /out

# The legacy builder builds this stage for `--target runtime` too: the service comes last, so the six
# builds share its layers.
FROM ${NODE_IMAGE} AS dev
WORKDIR /app
COPY --from=deps /app/node_modules node_modules
COPY --chown=10001:10001 . .
ARG SERVICE
ENV SERVICE=${SERVICE} NODE_ENV=development
USER 10001:10001
# tsx keeps its cache in /tmp, an emptyDir on Kubernetes (the root file system is read-only).
CMD ["sh", "-c", "exec node_modules/.bin/tsx watch --conditions=development --import @switchyard/kit/tracing/register services/${SERVICE}/src/main.ts"]

FROM scratch AS runtime
COPY --from=node-runtime /rootfs /
ARG SERVICE
ENV NODE_ENV=production PATH=/usr/local/bin
COPY --from=prod-deps /out /app
# Node resolves node_modules upwards from the service's dist to /app/node_modules, and the service finds
# its migrations next to its dist.
WORKDIR /app/services/${SERVICE}
# A numeric non-root user (runAsNonRoot can verify it); nothing is written outside /tmp.
USER 10001:10001
EXPOSE 8080 9090
# node is PID 1 and receives SIGTERM directly; the kit drains and exits. The OpenTelemetry bootstrap is
# imported before the service's modules (it must patch them as they load); without an OTLP endpoint in
# the environment it loads nothing.
CMD ["node", "--import", "@switchyard/kit/tracing/register", "dist/main.js"]

# The load generator (packages/loadgen, `npm run load`) for the chart's optional loadgen Deployment:
#   docker build --target loadgen --build-arg SERVICE=loadgen -t switchyard-loadgen:0.1.0 .
FROM scratch AS loadgen
COPY --from=node-runtime /rootfs /
ENV NODE_ENV=production PATH=/usr/local/bin
COPY --from=prod-deps /out /app
WORKDIR /app/packages/loadgen
USER 10001:10001
ENTRYPOINT ["node", "dist/cli.js"]
