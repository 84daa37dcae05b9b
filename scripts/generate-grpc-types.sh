#!/usr/bin/env bash
# Generates the TypeScript types of every gRPC contract in proto/ (the only copy of the contracts)
# into packages/contracts/src/generated, or into the directory given as $1 (the staleness test
# generates into a temporary directory and compares). Never edit the generated files.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/packages/contracts/src/generated}
rm -rf "$out"
cd "$root/proto"
# The options must match LOADER_OPTIONS in packages/contracts/src/grpc-contracts.ts.
"$root/node_modules/.bin/proto-loader-gen-types" \
  --grpcLib=@grpc/grpc-js --importFileExtension=.js \
  --longs=Number --enums=String --defaults --oneofs \
  --outDir="$out" \
  switchyard/*/v1/*.proto >/dev/null
