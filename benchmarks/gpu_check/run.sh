#!/usr/bin/env bash
# One prepared GPU check: onnxruntime-gpu reassembled from carried parts, the runtime on CUDA
# (parity with CPU, IO binding, threads, speed), gan-run --device cuda, the benchmarks' CUDA section.
# How it was run on a lent H200 (no network there): the onnxruntime-gpu 1.31.1 cp312 wheel (255 MB),
# split into five parts under .gpu/p0 .. .gpu/p4 (`split -b 55M`), each carried by one call and
# copied to /tmp/whl while the machine stayed warm; this folder and the bundled checkpoint with its
# three exports were carried as .gpu/check. Results: benchmarks/results/gpu-h200/.
set -u
export PYTHONUNBUFFERED=1
nvidia-smi -L
cat /tmp/whl/part0[0-4] > /tmp/whl/onnxruntime_gpu-1.31.1-cp312-cp312-manylinux_2_28_x86_64.whl
python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/site /tmp/whl/onnxruntime_gpu-1.31.1-cp312-cp312-manylinux_2_28_x86_64.whl || exit 3
mkdir -p /tmp/pkg/ganedge && for p in train export runtime; do ln -sfn "$PWD/$p" /tmp/pkg/ganedge/$p; done
export PYTHONPATH=/tmp/site:/tmp/pkg:$PWD
echo "== runtime on CUDA"; timeout 120 python3 .gpu/check/cuda_runtime_check.py 2>&1 | tee $OUT/runtime_cuda.json
echo "== gan-run --device cuda vs cpu"
python3 -m ganedge.runtime --device cuda --perturb 71=-10,10,100 --out $OUT/cuda.png --npz /tmp/cuda.npz
python3 -m ganedge.runtime --device cpu --perturb 71=-10,10,100 --out /tmp/cpu.png --npz /tmp/cpu.npz
python3 -c "import numpy as np; a=np.load('/tmp/cuda.npz'); b=np.load('/tmp/cpu.npz'); print('npz images differing pixels:', int((a['images']!=b['images']).sum()), 'of', a['images'].size)"
cmp /tmp/cpu.png $OUT/cuda.png && echo "PNG byte-identical on CUDA and CPU"
echo "== benchmarks cuda section"
timeout 240 python3 -m benchmarks --sections cuda --run .gpu/check --out-dir $OUT/bench 2>&1 | tail -30
