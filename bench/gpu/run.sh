#!/bin/sh
# bench/gpu/run.sh: issue 14's GPU rows on a machine with a GPU, from what bench/gpu/pack.sh put
# in .gpu/ (carry it there): our WebGPU path (bench/webgpu.ts: MLP, CNN and ResNet-18 steps,
# lambda_niw from the Jacobian and from HVPs), the same on one Wasm thread of that machine, and
# PyTorch on CUDA (src/node/bench/reference.py, NINR_REF_DEVICE=cuda). JSON into $OUT (default
# ./gpu-out): webgpu.jsonl, wasm.jsonl, torch-cuda.jsonl (a line per workload), machine.txt (the
# GPU, the driver, each step's exit status and seconds) and each one's stderr.
#   GPU_ARGS    extra flags for bench/webgpu.ts (e.g. "--steps 2 --reps 1")
#   ONLY        these workloads only (default: mlp_step cnn_step resnet_step curvature curvature_hvp)
#   PYTHON      the Python that holds PyTorch with CUDA (default python3)
# At most 9 min (5 x 55 s WebGPU, 5 x 30 s Wasm, 4 x 25 s PyTorch: one device call of timeout_s
# 580); a failing or timed-out step is recorded without stopping the others.
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
WORKLOADS="mlp_step cnn_step resnet_step curvature curvature_hvp"
# One process per workload and device, so that one slow compile loses only its own row; one line
# of JSON each (at most 8 files come back from a device call).
: > "$OUT/webgpu.jsonl"; : > "$OUT/webgpu.err"; : > "$OUT/wasm.jsonl"; : > "$OUT/wasm.err"
for d in webgpu wasm; do
  for w in ${ONLY:-$WORKLOADS}; do
    t0=$(date +%s)
    timeout "$([ "$d" = webgpu ] && echo 55 || echo 30)" "$NODE" "$B" --device "$d" --only "$w" ${GPU_ARGS:-} >> "$OUT/$d.jsonl" 2>> "$OUT/$d.err"
    echo "$d $w: exit $? in $(( $(date +%s) - t0 )) s" >> "$OUT/machine.txt"
  done
done
: > "$OUT/torch-cuda.jsonl"
for w in mlp_step cnn_step resnet_step curvature; do
  NINR_REF_DEVICE=cuda timeout 25 "${PYTHON:-python3}" src/node/bench/reference.py "$w" 3 1 11 >> "$OUT/torch-cuda.jsonl" 2>> "$OUT/torch-cuda.err"
  echo "torch cuda $w: exit $?" >> "$OUT/machine.txt"
done
