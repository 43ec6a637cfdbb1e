#!/usr/bin/env bash
# On a machine with an NVIDIA GPU and CuPy: run the gradient test matrix on CuPy
# arrays, then the GPU benchmark. Takes a few minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -c "import cupy; cupy.zeros(1).sum(); print('CuPy', cupy.__version__, 'sees', cupy.cuda.runtime.getDeviceCount(), 'GPU(s)')"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
python3 -m pytest tests -q -p no:cacheprovider -k cupy
python3 benchmarks/gpu_bench.py
