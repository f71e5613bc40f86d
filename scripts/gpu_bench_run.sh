#!/usr/bin/env bash
# The GPU benchmark on an offline machine (copied into gpu_bench/ as run.sh by scripts/pack_gpu_bench.js):
#   bash gpu_bench/run.sh [--small] [--reps N] [--skip network,instances,hr]
# Uses the machine's Node if it is ≥ 20.19, else the bundled one; the machine's Vulkan loader, else the
# bundled one; the NVIDIA driver's Vulkan ICD, writing an ICD file for it when the container has the
# driver's libGLX_nvidia.so.0 but no ICD file. Report: $OUT (else gpu_bench/out)/bench_gpu.{json,log}.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${OUT:-$here/out}"
mkdir -p "$out"
log="$out/bench_gpu.log"
: > "$log"
say() { echo "$*" | tee -a "$log"; }

# 1. Node
node_bin=""
if command -v node > /dev/null && node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'; then
  node_bin="$(command -v node)"
else
  [ -x "$here/node" ] || { gunzip -c "$here/node.gz" > "$here/node" && chmod +x "$here/node"; }
  node_bin="$here/node"
fi
say "node: $node_bin $("$node_bin" --version)"

# 2. dawn.node (gzipped to fit the carry limit)
dawn="$here/node_modules/webgpu/dist/linux-x64/dawn.node"
[ -f "$dawn" ] || gunzip -c "$dawn.gz" > "$dawn"

# 3. Vulkan: the loader, and an ICD for the GPU
if ! ldconfig -p 2> /dev/null | grep -q 'libvulkan.so.1 '; then
  export LD_LIBRARY_PATH="$here/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  say "vulkan loader: bundled ($here/lib/libvulkan.so.1)"
else
  say "vulkan loader: $(ldconfig -p | grep 'libvulkan.so.1 ' | head -n 1 | sed 's/.*=> //')"
fi
icds="$(ls /usr/share/vulkan/icd.d/*.json /etc/vulkan/icd.d/*.json /usr/local/share/vulkan/icd.d/*.json 2> /dev/null | tr '\n' ' ')"
if [ -z "${VK_ICD_FILENAMES:-}" ] && ! echo "$icds" | grep -qi nvidia; then
  glx="$(ldconfig -p 2> /dev/null | grep 'libGLX_nvidia.so.0 ' | head -n 1 | sed 's/.*=> //')"
  [ -n "$glx" ] || glx="$(ls /usr/lib/x86_64-linux-gnu/libGLX_nvidia.so.0 /usr/lib64/libGLX_nvidia.so.0 2> /dev/null | head -n 1)"
  if [ -n "$glx" ]; then
    printf '{"file_format_version": "1.0.0", "ICD": {"library_path": "%s", "api_version": "1.3"}}\n' "$glx" > "$here/nvidia_icd.json"
    export VK_ICD_FILENAMES="$here/nvidia_icd.json"
    say "vulkan ICD: written for $glx"
  else
    say "vulkan ICD files: ${icds:-none}; no libGLX_nvidia.so.0 (a container needs NVIDIA_DRIVER_CAPABILITIES to include graphics)"
  fi
else
  say "vulkan ICD files: ${VK_ICD_FILENAMES:-$icds}"
fi
command -v nvidia-smi > /dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | sed 's/^/gpu: /' | tee -a "$log"

# 4. The benchmark
cd "$here"
"$node_bin" bench_gpu.js --out "$out/bench_gpu.json" "$@" 2>&1 | grep -v '^Warning: max.*artificially reduced' | tee -a "$log"
exit "${PIPESTATUS[0]}"
