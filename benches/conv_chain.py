"""A chain of convs (each with bias and relu) timed in qrun's JIT and in
ONNX Runtime (all graph optimizations on), alternating, one process each
per round; prints each round's least and median time of both.

Layers of one kind in a row show a per-layer gap that the network's mix
hides, and a long chain (more weights than L3 holds) shows how each side
copes with weights coming from memory.

usage: conv_chain.py CHANNELS SIZE LAYERS KERNEL [EXPAND] [--threads T]
                     [--iters N] [--rounds R]
  KERNEL x KERNEL convs CHANNELS -> CHANNELS at SIZE x SIZE (padding
  KERNEL // 2); with EXPAND, 1x1 convs alternate CHANNELS -> EXPAND ->
  CHANNELS (a bottleneck's expanding and reducing convs).
"""
import argparse
import json
import os
import subprocess
import tempfile

import onnxruntime as ort
from ort_latency import median, run_times_ms

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def chain_mlir(channels, size, layers, kernel, expand):
    def ty(c):
        return f"tensor<1x{c}x{size}x{size}xf32>"

    lines, value, c, pad = [], "%x", channels, kernel // 2
    for i in range(layers):
        out = expand if expand and c == channels else channels
        w = f"tensor<{out}x{c}x{kernel}x{kernel}xf32>"
        lines += [
            f"  %w{i} = arith.constant dense<0.01> : {w}",
            f"  %b{i} = arith.constant dense<0.1> : tensor<{out}xf32>",
            f'  %y{i} = "quant.conv2d"({value}, %w{i}, %b{i}) {{padding = array<i64: {pad}, {pad}, {pad}, {pad}>, '
            f"strides = array<i64: 1, 1>}} : ({ty(c)}, {w}, tensor<{out}xf32>) -> {ty(out)}",
            f'  %r{i} = "quant.relu"(%y{i}) : ({ty(out)}) -> {ty(out)}',
        ]
        value, c = f"%r{i}", out
    head = f"func.func @main(%x: {ty(channels)}) -> {ty(c)} {{"
    return "\n".join([head, *lines, f"  return {value} : {ty(c)}", "}", ""])


def qrun_times(model, threads, iters):
    qrun = os.path.join(ROOT, "target/release/qrun")
    command = [qrun, "bench", model, "--threads", str(threads), "--iters", str(iters), "--json"]
    out = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
    return out["min_ms"], out["median_ms"]


def ort_times(model, threads, iters):
    times = run_times_ms(model, threads, ort.GraphOptimizationLevel.ORT_ENABLE_ALL, iters)
    return times[0], median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    for name in ["channels", "size", "layers", "kernel"]:
        parser.add_argument(name, type=int)
    parser.add_argument("expand", type=int, nargs="?", default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--iters", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    a = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        mlir, onnx = os.path.join(tmp, "chain.mlir"), os.path.join(tmp, "chain.onnx")
        with open(mlir, "w") as f:
            f.write(chain_mlir(a.channels, a.size, a.layers, a.kernel, a.expand))
        qopt = os.path.join(ROOT, "target/release/qopt")
        subprocess.run([qopt, "export-onnx", mlir, "-o", onnx], check=True)
        for r in range(1, a.rounds + 1):
            ours, theirs = qrun_times(mlir, a.threads, a.iters), ort_times(onnx, a.threads, a.iters)
            print(f"round {r}: qrun least {ours[0]:.2f} median {ours[1]:.2f} ms, "
                  f"ORT least {theirs[0]:.2f} median {theirs[1]:.2f} ms", flush=True)


if __name__ == "__main__":
    main()
