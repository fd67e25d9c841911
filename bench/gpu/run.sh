#!/bin/sh
# bench/gpu/run.sh: issue 14's GPU rows on a machine with a GPU, from what bench/gpu/pack.sh put
# in .gpu/ (carry it there): our WebGPU path (bench/webgpu.ts: MLP, CNN and ResNet-18 steps,
# lambda_niw from the Jacobian and from HVPs), the same on one Wasm thread of that machine, and
# PyTorch on CUDA (src/node/bench/reference.py, NINR_REF_DEVICE=cuda). JSON into $OUT (default
# ./gpu-out): webgpu.json, wasm.json, torch-cuda.jsonl, machine.txt, and each one's stderr.
#   GPU_ARGS    extra flags for bench/webgpu.ts on both devices (e.g. "--steps 2 --reps 1")
#   WASM_ONLY   workloads for the Wasm side (default: all five)
#   PYTHON      the Python that holds PyTorch with CUDA (default python3)
# About 3-6 min on a GPU machine (compilation included); every step has its own timeout, and a
# failing step is recorded in its .err file without stopping the others.
set -u
cd "$(dirname "$0")/../.."
OUT=${OUT:-gpu-out}
mkdir -p "$OUT"
T=/tmp/ninr-gpu
mkdir -p "$T"
python3 - <<'PY' || { echo "run.sh: could not unpack .gpu (run bench/gpu/pack.sh and carry .gpu)" >&2; exit 2; }
import lzma, os, shutil
for src, dst in ((".gpu/node.xz", "/tmp/ninr-gpu/node"), (".gpu/node_modules/webgpu/dist/linux-x64/dawn.node.xz", ".gpu/node_modules/webgpu/dist/linux-x64/dawn.node")):
    if not os.path.exists(dst):
        with lzma.open(src) as f, open(dst, "wb") as g:
            shutil.copyfileobj(f, g)
os.chmod("/tmp/ninr-gpu/node", 0o755)
PY
if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1'; then
  for f in .gpu/debs/*.deb; do [ -f "$f" ] && dpkg -x "$f" /; done
  ldconfig
fi
ICD=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
if [ -z "${VK_ICD_FILENAMES:-}${VK_DRIVER_FILES:-}" ] && [ -f "$ICD" ]; then export VK_DRIVER_FILES="$ICD"; fi
NODE=$T/node
B=.gpu/bench/webgpu/webgpu-bench.mjs
{
  date -u +%FT%TZ
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1
  nproc; uname -srm; "$NODE" --version
  echo "VK_DRIVER_FILES=${VK_DRIVER_FILES:-} VK_ICD_FILENAMES=${VK_ICD_FILENAMES:-}"
} > "$OUT/machine.txt" 2>&1
step() { # name seconds command...: run, time, record the exit status
  n=$1; s=$2; shift 2
  t0=$(date +%s)
  timeout "$s" "$@" > "$OUT/$n" 2> "$OUT/$n.err"
  echo "$n: exit $? in $(( $(date +%s) - t0 )) s" | tee -a "$OUT/machine.txt"
}
step webgpu.json 300 "$NODE" "$B" --device webgpu --json ${GPU_ARGS:-}
step wasm.json 200 "$NODE" "$B" --device wasm --json --only "${WASM_ONLY:-mlp_step,cnn_step,resnet_step,curvature,curvature_hvp}" ${GPU_ARGS:-}
: > "$OUT/torch-cuda.jsonl"
for w in mlp_step cnn_step resnet_step curvature; do
  NINR_REF_DEVICE=cuda timeout 90 "${PYTHON:-python3}" src/node/bench/reference.py "$w" 3 1 11 >> "$OUT/torch-cuda.jsonl" 2>> "$OUT/torch-cuda.err"
  echo "torch cuda $w: exit $?" >> "$OUT/machine.txt"
done
