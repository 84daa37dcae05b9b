#!/bin/sh
# Runs inside the Dockerfile's prod-deps stage: assemble-runtime SERVICE BUILD_DIR OUT_DIR (SERVICE loadgen: packages/loadgen)
# Installs the production dependencies of one service's workspace (and of the workspaces it depends on)
# offline from the npm cache, drops what only compilers and editors read (type declarations, source
# maps, docs), and copies the compiled output of exactly the workspaces npm linked.
set -eu
service=$1 build=$2 out=$3
# Every deployable is a service workspace, except the load generator (a package that bench/ uses too).
workspace="services/$service"
if [ "$service" = loadgen ]; then workspace=packages/loadgen; fi
npm ci --omit=dev --ignore-scripts --offline --no-audit --no-fund --workspace "$workspace"
find node_modules -type f \( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.map' -o -iname '*.md' \) -delete
mkdir -p "$out"
mv node_modules "$out/node_modules"
# node_modules/@switchyard/<name> are links to the workspaces the service needs (itself included).
for link in "$out"/node_modules/@switchyard/*; do
  workspace=$(readlink "$link" | sed 's|^\.\./\.\./||')
  mkdir -p "$out/$workspace"
  cp "$build/$workspace/package.json" "$out/$workspace/"
  cp -r "$build/$workspace/dist" "$out/$workspace/"
  if [ -d "$build/$workspace/migrations" ]; then cp -r "$build/$workspace/migrations" "$out/$workspace/"; fi
  # the contracts load proto/ from the repository root at run time
  if [ "$workspace" = packages/contracts ]; then cp -r "$build/proto" "$out/proto"; fi
done
# The gateway serves the built storefront at / (its WEB_ROOT default is /app/web/dist).
if [ "$service" = gateway ]; then mkdir -p "$out/web" && cp -r "$build/web/dist" "$out/web/dist"; fi
# compiled declarations and maps of the workspaces themselves are not needed either
# (the load generator's image has no services/)
for dir in "$out/packages" "$out/services"; do
  if [ -d "$dir" ]; then find "$dir" -type f \( -name '*.d.ts' -o -name '*.map' \) -delete; fi
done
