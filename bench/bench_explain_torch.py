#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""PyTorch peer of bench-explain: the same explanations with plain autograd, one thread.

Loads the same model file (safetensors read with json + numpy.frombuffer, the architecture
from its "glassbox.architecture" metadata, built as an nn.Sequential in eval mode), reads
what `bench-explain --out DIR` wrote there (digits.f32, labels.i32, <method>.f32,
kernelshap.f64, deletion.f64, glassbox.csv), computes the same quantities on the same inputs,
each explaining the label's logit, and prints a Markdown table: ms per input for both, the
speed ratio (torch / ours), the largest absolute difference from our values where the values
are comparable, and the targets.

  saliency, gradxinput  one forward + backward
  ig50                  midpoint rule alpha = (k + 1/2) / 50, zeros baseline, one batch of 50
  smoothgrad50          50 noisy copies, sigma = 0.15 (max x - min x), |grad| averaged, one
                        batch; values compared at sigma 0 (the signed gradient) only
  lrp-eps               epsilon rule (eps 0.1, sign(0) = +1) on Linear/Conv2d by the gradient
                        trick; ReLU, Dropout and Flatten pass; MaxPool2d by its gradient
  occlusion             4 x 4 windows, stride 2 (plus one flush with the edge), zeros
  kernelshap            49 patches of 4 x 4, 1024 coalitions + empty + full, batches of 64,
                        Shapley-kernel sampling and efficiency by elimination; the coalitions
                        are random, so only the efficiency sums are compared
  lime                  49 patches, 1000 samples (sample 0 all on), hidden patches show their
                        mean, cosine-distance kernel of width 0.25, ridge alpha 1; timing only
  deletion100           MoRF curve of gradient x input over the digits: 100 removal fractions
                        k / 99, zeros, agreement with the original prediction

Run with Debian's /usr/bin/python3 (python3-torch); give it the same OPENBLAS_CORETYPE and
OPENBLAS_NUM_THREADS=1 as bench-explain (bench/run-explain-bench.sh does).
"""

import argparse
import json
import math
import os
import re
import statistics
import struct
import sys
import time

try:
  import numpy as np
  import torch
  from torch import nn
except ImportError as e:  # the runner checks first; this is for direct runs
  sys.exit(f"PyTorch not available; install python3-torch ({e})")

IG_STEPS = 50
SMOOTH_SAMPLES = 50
SMOOTH_NOISE = 0.15
LRP_EPS = 0.1
PATCH = 4
SHAP_SAMPLES = 1024
LIME_SAMPLES = 1000
LIME_WIDTH = 0.25
LIME_ALPHA = 1.0
BATCH = 64

GRADIENT_METHODS = ("saliency", "gradxinput", "ig50", "smoothgrad50", "lrp-eps")

# ---- the model file --------------------------------------------------------------------


def read_safetensors(path):
  """(tensors by name as float32 arrays, metadata dict)."""
  with open(path, "rb") as f:
    blob = f.read()
  (n,) = struct.unpack("<Q", blob[:8])
  header = json.loads(blob[8:8 + n])
  meta = header.pop("__metadata__", {})
  tensors = {}
  for name, info in header.items():
    if info["dtype"] != "F32":
      sys.exit(f"{path}: tensor '{name}' is {info['dtype']}, expected F32")
    start, end = info["data_offsets"]
    a = np.frombuffer(blob, dtype="<f4", count=(end - start) // 4, offset=8 + n + start)
    tensors[name] = a.reshape(info["shape"]).copy()
  return tensors, meta


def split_layers(text):
  """'input(1,28,28), conv2d(8,5,pad=2), relu' -> [('input', ['1','28','28']), ...]."""
  out = []
  for m in re.finditer(r"\s*([a-z0-9_]+)\s*(?:\(([^)]*)\))?\s*(?:,|$)", text):
    if m.group(1):
      args = [a.strip() for a in (m.group(2) or "").split(",") if a.strip()]
      out.append((m.group(1), args))
  return out


def layer_args(args):
  """Positional values and key=value options."""
  pos = [a for a in args if "=" not in a]
  opts = dict(a.split("=", 1) for a in args if "=" in a)
  return pos, opts


def build_model(path):
  tensors, meta = read_safetensors(path)
  arch = meta.get("glassbox.architecture")
  if arch is None:
    sys.exit(f"{path}: no glassbox.architecture in the metadata")
  layers, shape, counts = [], None, {"conv2d": 0, "dense": 0}

  def take(kind, module):
    counts[kind] += 1
    w = tensors[f"{kind}{counts[kind]}.weight"]
    b = tensors[f"{kind}{counts[kind]}.bias"]
    if tuple(module.weight.shape) != w.shape:
      sys.exit(f"{path}: {kind}{counts[kind]}.weight has shape {w.shape}, "
               f"expected {tuple(module.weight.shape)}")
    with torch.no_grad():
      module.weight.copy_(torch.from_numpy(w))
      module.bias.copy_(torch.from_numpy(b))
    return module

  for kind, args in split_layers(arch):
    pos, opts = layer_args(args)
    if kind == "input":
      shape = [int(v) for v in pos]
    elif kind == "conv2d":
      f, k = int(pos[0]), int(pos[1])
      s, p = int(opts.get("stride", 1)), int(opts.get("pad", 0))
      layers.append(take("conv2d", nn.Conv2d(shape[0], f, k, stride=s, padding=p)))
      shape = [f, (shape[1] + 2 * p - k) // s + 1, (shape[2] + 2 * p - k) // s + 1]
    elif kind in ("maxpool2d", "avgpool2d"):
      k = int(pos[0])
      s = int(opts.get("stride", k))
      layers.append((nn.MaxPool2d if kind == "maxpool2d" else nn.AvgPool2d)(k, stride=s))
      shape = [shape[0], (shape[1] - k) // s + 1, (shape[2] - k) // s + 1]
    elif kind == "flatten":
      layers.append(nn.Flatten())
      shape = [int(np.prod(shape))]
    elif kind == "dense":
      n = int(pos[0])
      if len(shape) != 1:
        layers.append(nn.Flatten())
        shape = [int(np.prod(shape))]
      layers.append(take("dense", nn.Linear(shape[0], n)))
      shape = [n]
    elif kind == "relu":
      layers.append(nn.ReLU())
    elif kind == "tanh":
      layers.append(nn.Tanh())
    elif kind == "sigmoid":
      layers.append(nn.Sigmoid())
    elif kind == "dropout":
      layers.append(nn.Dropout(float(pos[0]) if pos else 0.5))
    else:
      sys.exit(f"{path}: layer '{kind}' is not supported by this script")
  model = nn.Sequential(*layers).eval()
  for p in model.parameters():
    p.requires_grad_(False)
  return model, arch

# ---- gradient methods --------------------------------------------------------------------


def gradient(model, x, c):
  """x: (n, c, h, w) -> d sum_n f_c(x_n) / dx, (n, c, h, w)."""
  x = x.clone().requires_grad_(True)
  (g,) = torch.autograd.grad(model(x)[:, c].sum(), x)
  return g


def saliency(model, x, c):
  return gradient(model, x, c).abs()


def grad_x_input(model, x, c):
  return x * gradient(model, x, c)


def integrated_gradients(model, x, c):
  alpha = (torch.arange(IG_STEPS, dtype=torch.float32) + 0.5) / IG_STEPS
  path = alpha.view(-1, 1, 1, 1) * x  # zeros baseline
  return x * gradient(model, path, c).mean(0, keepdim=True)


def smoothgrad(model, x, c, noise=SMOOTH_NOISE, signed=False):
  sigma = noise * float(x.max() - x.min())
  xs = x.expand(SMOOTH_SAMPLES, *x.shape[1:])
  if sigma > 0:
    xs = xs + sigma * torch.randn_like(xs)
  g = gradient(model, xs, c)
  return (g if signed else g.abs()).mean(0, keepdim=True)


def stabilise(z):
  return z + LRP_EPS * torch.where(z >= 0, 1.0, -1.0)


def lrp_epsilon(model, x, c):
  acts = [x]
  with torch.no_grad():
    for layer in model:
      acts.append(layer(acts[-1]))
  out = acts[-1]
  r = torch.zeros_like(out)
  r[:, c] = out[:, c]
  for layer, a in zip(reversed(model), reversed(acts[:-1])):
    if isinstance(layer, (nn.Linear, nn.Conv2d)):
      a = a.clone().requires_grad_(True)
      z = layer(a)
      s = (r / stabilise(z)).detach()
      (g,) = torch.autograd.grad((z * s).sum(), a)
      r = a.detach() * g
    elif isinstance(layer, (nn.MaxPool2d, nn.AvgPool2d)):
      a = a.clone().requires_grad_(True)
      if isinstance(layer, nn.AvgPool2d):  # LRP-0 ("Norm") through average pooling
        z = layer(a)
        s = torch.where(z != 0, r / torch.where(z != 0, z, 1.0), 0.0).detach()
        (g,) = torch.autograd.grad((z * s).sum(), a)
        r = a.detach() * g
      else:
        (g,) = torch.autograd.grad(layer(a), a, grad_outputs=r)
        r = g
    elif isinstance(layer, nn.Flatten):
      r = r.reshape(a.shape)
    # ReLU, Tanh, Sigmoid, Dropout: relevance passes unchanged
  return r

# ---- perturbation methods ------------------------------------------------------------------


def forward_batched(model, xs):
  with torch.no_grad():
    return torch.cat([model(xs[i:i + BATCH]) for i in range(0, xs.shape[0], BATCH)])


def window_starts(size, window, stride):
  starts = list(range(0, max(size - window, 0) + 1, stride))
  if starts[-1] + window < size:
    starts.append(size - window)
  return starts


class Occlusion:
  def __init__(self, shape):
    _, h, w = shape
    masks = []
    for r in window_starts(h, PATCH, 2):
      for q in window_starts(w, PATCH, 2):
        m = torch.zeros(h, w)
        m[r:r + PATCH, q:q + PATCH] = 1
        masks.append(m.flatten())
    self.masks = torch.stack(masks)  # (windows, h w)
    self.cover = self.masks.sum(0)
    self.shape = shape

  def __call__(self, model, x, c):
    keep = (1 - self.masks).view(-1, 1, *self.shape[1:])
    with torch.no_grad():
      f = model(torch.cat([x, x * keep]))[:, c]  # zeros baseline
    diff = f[0] - f[1:]
    return ((diff @ self.masks) / self.cover).view(1, 1, *self.shape[1:]).expand_as(x)


def patch_ids(shape):
  _, h, w = shape
  cols = (w + PATCH - 1) // PATCH
  rows = torch.arange(h).view(-1, 1) // PATCH
  return (rows * cols + torch.arange(w).view(1, -1) // PATCH).flatten()


class KernelShap:
  def __init__(self, shape, generator):
    self.ids = patch_ids(shape)
    self.m = int(self.ids.max()) + 1
    self.shape = shape
    self.gen = generator
    sizes = torch.arange(1, self.m, dtype=torch.float64)
    self.size_p = (self.m - 1) / (sizes * (self.m - sizes))
    self.size_p /= self.size_p.sum()

  def coalitions(self):
    size = torch.multinomial(self.size_p, SHAP_SAMPLES, replacement=True, generator=self.gen) + 1
    keys = torch.rand(SHAP_SAMPLES, self.m, generator=self.gen)
    rank = keys.argsort(1).argsort(1)
    return (rank < size.view(-1, 1)).to(torch.float32)

  def __call__(self, model, x, c):
    z = self.coalitions()
    z = torch.cat([torch.ones(1, self.m), torch.zeros(1, self.m), z])
    pixels = z[:, self.ids].view(-1, *self.shape)
    y = forward_batched(model, x * pixels)[:, c].double()  # zeros baseline
    fx, f0 = y[0], y[1]
    zs, ys = z[2:].double(), y[2:] - f0
    # efficiency by eliminating the last segment: phi_M = (fx - f0) - sum of the others
    a = zs[:, :-1] - zs[:, -1:]
    b = ys - zs[:, -1] * (fx - f0)
    phi = torch.linalg.solve(a.T @ a, a.T @ b)
    phi = torch.cat([phi, (fx - f0 - phi.sum()).view(1)])
    return phi, float(phi.sum()), float(fx), float(f0)


class Lime:
  def __init__(self, shape, generator):
    self.ids = patch_ids(shape)
    self.m = int(self.ids.max()) + 1
    self.shape = shape
    self.gen = generator

  def __call__(self, model, x, c):
    flat = x.flatten()
    sums = torch.zeros(self.m).index_add_(0, self.ids, flat)
    counts = torch.zeros(self.m).index_add_(0, self.ids, torch.ones_like(flat))
    fill = (sums / counts)[self.ids].view(1, *self.shape)
    z = (torch.rand(LIME_SAMPLES, self.m, generator=self.gen) < 0.5).to(torch.float32)
    z[0] = 1
    pixels = z[:, self.ids].view(-1, *self.shape)
    y = forward_batched(model, x * pixels + fill * (1 - pixels))[:, c].double()
    zd = z.double()
    on = zd.sum(1)
    d = 1 - on / (on.sqrt() * math.sqrt(self.m)).clamp_min(1e-12)
    w = (-(d * d) / LIME_WIDTH ** 2).exp().sqrt()
    # weighted ridge with an unpenalised intercept: centre on the weighted means
    zm = (w @ zd) / w.sum()
    ym = (w @ y) / w.sum()
    zc, yc = zd - zm, y - ym
    a = zc.T @ (w.view(-1, 1) * zc) + LIME_ALPHA * torch.eye(self.m, dtype=torch.float64)
    coef = torch.linalg.solve(a, zc.T @ (w * yc))
    return coef

# ---- the deletion curve --------------------------------------------------------------------


def deletion_curve(model, digits, points):
  n, d = digits.shape[0], int(np.prod(digits.shape[1:]))
  grid = [k / (points - 1) for k in range(points)]
  m_k = [min(max(math.ceil(r * d - 1e-6), 0), d) for r in grid]
  agree = torch.zeros(points)
  for i in range(0, n, BATCH):
    x = digits[i:i + BATCH]
    xg = x.clone().requires_grad_(True)
    logits = model(xg)
    pred = logits.argmax(1)
    (g,) = torch.autograd.grad(logits.gather(1, pred.view(-1, 1)).sum(), xg)
    score = (x * g).flatten(1)
    order = torch.sort(score, dim=1, descending=True, stable=True).indices
    rank = torch.empty_like(order)
    rank.scatter_(1, order, torch.arange(d).expand_as(order))
    with torch.no_grad():
      for k, m in enumerate(m_k):
        masked = (x.flatten(1) * (rank >= m)).view_as(x)  # zeros baseline
        agree[k] += (model(masked).argmax(1) == pred).sum()
  return agree / n

# ---- timing and the table ------------------------------------------------------------------


def macs_per_forward(model, shape):
  """Multiply-adds of one forward of one input through the Linear and Conv2d layers."""
  total = 0

  def count(module, inputs, output):
    nonlocal total
    if isinstance(module, nn.Linear):
      total += module.in_features * module.out_features
    elif isinstance(module, nn.Conv2d):
      kh, kw = module.kernel_size
      total += output[0].numel() * (module.in_channels // module.groups) * kh * kw

  hooks = [m.register_forward_hook(count) for m in model if isinstance(m, (nn.Linear, nn.Conv2d))]
  with torch.no_grad():
    model(torch.zeros(1, *shape))
  for h in hooks:
    h.remove()
  return total


def method_gflop(name, macs, occlusion_windows, curve_points):
  """GFLOP per input of the plain algorithm: 2 flops per multiply-add; a backward to the input
  costs what the forward costs (no weight gradients)."""
  passes = {"saliency": 2, "gradxinput": 2, "lrp-eps": 2, "ig50": 2 * IG_STEPS,
            "smoothgrad50": 2 * SMOOTH_SAMPLES, "occlusion": occlusion_windows + 1,
            "kernelshap": SHAP_SAMPLES + 2, "lime": LIME_SAMPLES,
            # the prediction, gradient x input to rank, then a forward per point
            f"deletion{curve_points}": curve_points + 3}.get(name)
  return None if passes is None else 2.0 * macs * passes / 1e9


def sgemm_peak():
  """GFLOP/s of one thread on a 1024^3 float32 product (the best of 7)."""
  a, b = torch.rand(1024, 1024), torch.rand(1024, 1024)
  best = float("inf")
  for _ in range(7):
    t0 = time.perf_counter()
    torch.mm(a, b)
    best = min(best, time.perf_counter() - t0)
  return 2.0 * 1024 ** 3 / best / 1e9


def time_method(fn, model, digits, labels, n, repeats):
  """(median ms, min ms, maps of the last repeat)."""
  fn(model, digits[0:1], int(labels[0]))  # warm-up
  ms, maps = [], [None] * n
  for _ in range(repeats):
    for i in range(n):
      t0 = time.perf_counter()
      maps[i] = fn(model, digits[i:i + 1], int(labels[i]))
      ms.append((time.perf_counter() - t0) * 1e3)
  return statistics.median(ms), min(ms), maps


def read_ours(directory):
  ours = {}
  with open(os.path.join(directory, "glassbox.csv")) as f:
    for line in f:
      parts = line.strip().split(",")
      if len(parts) == 6 and parts[0] == "glassbox":
        ours[parts[2]] = float(parts[3])
  return ours


def our_maps(directory, name, n, d):
  path = os.path.join(directory, f"{name}.f32")
  return torch.from_numpy(np.fromfile(path, dtype="<f4", count=n * d).reshape(n, d))


def max_diff(theirs, ours):
  t = torch.cat([m.reshape(1, -1) for m in theirs])
  return float((t - ours).abs().max()), float(ours.abs().max())


def main():
  ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
  ap.add_argument("--model", required=True)
  ap.add_argument("--dir", required=True, help="what bench-explain --out wrote")
  ap.add_argument("--inputs", type=int, default=20)
  ap.add_argument("--repeats", type=int, default=3)
  ap.add_argument("--curve-points", type=int, default=100)
  ap.add_argument("--no-curve", action="store_true")
  args = ap.parse_args()

  torch.set_num_threads(1)
  torch.manual_seed(7)
  model, arch = build_model(args.model)
  shape = [int(v) for v in split_layers(arch)[0][1]]
  d = int(np.prod(shape))
  digits = torch.from_numpy(np.fromfile(os.path.join(args.dir, "digits.f32"), dtype="<f4"))
  digits = digits.view(-1, *shape)
  labels = np.fromfile(os.path.join(args.dir, "labels.i32"), dtype="<i4")
  n = min(args.inputs, digits.shape[0])
  ours = read_ours(args.dir)
  gen = torch.Generator().manual_seed(7)
  occlusion = Occlusion(shape)
  shap = KernelShap(shape, gen)
  lime = Lime(shape, gen)

  methods = [
    ("saliency", saliency, "saliency"),
    ("gradxinput", grad_x_input, "gradxinput"),
    ("ig50", integrated_gradients, "ig50"),
    ("smoothgrad50", smoothgrad, None),
    ("lrp-eps", lrp_epsilon, "lrp-eps"),
    ("occlusion", occlusion, "occlusion"),
    ("kernelshap", shap, None),
    ("lime", lime, None),
  ]
  rows = []
  for name, fn, compare in methods:
    med, _, maps = time_method(fn, model, digits, labels, n, args.repeats)
    diff, note = None, ""
    if compare is not None:
      diff, scale = max_diff(maps, our_maps(args.dir, compare, n, d))
      note = f"values (max abs {scale:.3g})"
    elif name == "smoothgrad50":
      theirs = [smoothgrad(model, digits[i:i + 1], int(labels[i]), 0.0, True) for i in range(n)]
      diff, scale = max_diff(theirs, our_maps(args.dir, "smoothgrad-sigma0", n, d))
      note = f"sigma 0 values (max abs {scale:.3g})"
    elif name == "kernelshap":
      eff = np.fromfile(os.path.join(args.dir, "kernelshap.f64"), dtype="<f8").reshape(-1, 3)
      diff = max(abs(eff[i, 0] - maps[i][1]) for i in range(n))
      note = "efficiency sums"
    else:
      note = "timing only (random samples)"
    rows.append((name, med, diff, note))
    print(f"# torch {name}: {med:.3f} ms/input", file=sys.stderr)

  if not args.no_curve:
    t0 = time.perf_counter()
    curve = deletion_curve(model, digits, args.curve_points)
    med = (time.perf_counter() - t0) * 1e3 / digits.shape[0]
    ourc = torch.from_numpy(np.fromfile(os.path.join(args.dir, "deletion.f64"), dtype="<f8"))
    diff = float((curve.double() - ourc).abs().max())
    rows.append((f"deletion{args.curve_points}", med, diff,
                 f"agreement curve, {digits.shape[0]} digits"))

  print(f"Model {os.path.basename(args.model)}: {arch}")
  print(f"{n} inputs x {args.repeats} repeats (median ms per input); deletion curve: one run, "
        "total / digits")
  print()
  macs = macs_per_forward(model, shape)
  peak = sgemm_peak()
  print("| method | ours ms/input | torch ms/input | ratio (torch/ours) | max abs difference | "
        "target | GFLOP/input | torch GFLOP/s | 3x needs GFLOP/s |")
  print("|---|---:|---:|---:|---|---|---:|---:|---:|")
  for name, med, diff, note in rows:
    a = ours.get(name)
    ratio = med / a if a else float("nan")
    gflop = method_gflop(name, macs, occlusion.masks.shape[0], args.curve_points)
    flops = ("| n/a | n/a | n/a" if gflop is None else
             f"| {gflop:.4f} | {gflop / med * 1e3:.0f} | {3 * gflop / med * 1e3:.0f}")
    targets = []
    if name in GRADIENT_METHODS:
      targets.append("<= 2 ms " + ("met" if a is not None and a <= 2.0 else "NOT met"))
    targets.append(">= 3x " + ("met" if ratio >= 3.0 else "NOT met"))
    diff_text = "n/a" if diff is None else f"{diff:.2e}"
    print(f"| {name} | {a:.3f} | {med:.3f} | {ratio:.1f}x | {diff_text} ({note}) | "
          f"{'; '.join(targets)} {flops} |" if a is not None else
          f"| {name} | failed | {med:.3f} | n/a | {diff_text} | n/a {flops} |")
  print()
  print(f"Arithmetic of the plain algorithm: {macs / 1e6:.3f} M multiply-adds per forward; "
        "2 flops each, a backward to the input as much as a forward.")
  print(f"One thread's float32 matrix-product peak here: {peak:.0f} GFLOP/s (1024^3, best of 7). "
        "Where '3x needs' exceeds it, 3x is out of reach without doing less arithmetic than "
        "the plain algorithm.")


if __name__ == "__main__":
  main()
