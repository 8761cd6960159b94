#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""PyTorch peer of bench-train: seconds per training epoch, one thread.

Trains the same architectures as build/bench/bench-train on the same samples (written by
`bench-train --dump-data DIR`): batch 64, Adam's defaults, CrossEntropyLoss, a fresh
shuffled order each epoch (torch.randperm indexing the preloaded tensors: no DataLoader).
Each run builds a fresh model (same seed) and times one epoch; model construction and data
loading are not timed. Prints median, min and max seconds per epoch.

Run with Debian's /usr/bin/python3 (python3-torch); give it the same OPENBLAS_CORETYPE and
OPENBLAS_NUM_THREADS=1 as bench-train (bench/run-train-bench.sh does).
"""

import argparse
import json
import os
import statistics
import sys
import time

try:
  import numpy as np
  import torch
  from torch import nn
except ImportError as e:  # the harness checks first; this is for direct runs
  sys.exit(f"PyTorch not available; install python3-torch ({e})")

BATCH = 64
MODEL_SEED = 1


class LastStateLSTM(nn.Module):
  """nn.LSTM(batch_first=True) whose last time step's hidden state feeds a Linear."""

  def __init__(self, channels, hidden, classes):
    super().__init__()
    self.lstm = nn.LSTM(channels, hidden, batch_first=True)
    self.fc = nn.Linear(hidden, classes)

  def forward(self, x):  # x: (batch, steps, channels)
    out, _ = self.lstm(x)
    return self.fc(out[:, -1, :])


def make_mlp1():
  return nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))


def make_mlp2():
  return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128),
                       nn.ReLU(), nn.Linear(128, 10))


def make_cnn():
  # 1x28x28 -> 8x24x24 -> 8x12x12 -> 16x8x8 -> 16x4x4 = 256
  return nn.Sequential(
    nn.Conv2d(1, 8, 5), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(8, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(), nn.Linear(256, 64), nn.ReLU(), nn.Linear(64, 10))


def make_lstm():
  return LastStateLSTM(8, 32, 2)


# id -> (title, constructor, data set stem, sample shape the model reads)
MODELS = {
  "mlp1": ("MLP 784-128-10", make_mlp1, "images", (784,)),
  "mlp2": ("MLP 784-256-128-10", make_mlp2, "images", (784,)),
  "cnn": ("LeNet-style CNN", make_cnn, "images", (1, 28, 28)),
  "lstm": ("LSTM 8x256 -> 32 -> 2", make_lstm, "sequences", (256, 8)),
}


def load_data(data_dir, stem):
  """Reads the files bench-train --dump-data wrote: (x float32 tensor, labels int64 tensor)."""
  with open(os.path.join(data_dir, stem + ".json")) as f:
    head = json.load(f)
  n, shape = head["n"], tuple(head["sample_shape"])
  x = np.fromfile(os.path.join(data_dir, head["x"]), dtype=np.dtype(head["x_dtype"]))
  y = np.fromfile(os.path.join(data_dir, head["labels"]), dtype=np.dtype(head["labels_dtype"]))
  if x.size != n * int(np.prod(shape)) or y.size != n:
    sys.exit(f"{data_dir}/{stem}: file sizes do not match the header {head}")
  x = torch.from_numpy(x.astype(np.float32, copy=False)).reshape((n,) + shape)
  # CrossEntropyLoss wants int64 class indices.
  return x.contiguous(), torch.from_numpy(y.astype(np.int64))


def train_one_epoch(model, opt, loss_fn, x, y):
  """One epoch over shuffled mini-batches; returns the mean training loss."""
  model.train()
  perm = torch.randperm(x.shape[0])
  total, batches = 0.0, 0
  for idx in perm.split(BATCH):
    xb, yb = x[idx], y[idx]
    opt.zero_grad(set_to_none=True)
    loss = loss_fn(model(xb), yb)
    loss.backward()
    opt.step()
    total += loss.item()
    batches += 1
  return total / batches


def time_one_epoch(make, x, y):
  torch.manual_seed(MODEL_SEED)
  model = make()
  opt = torch.optim.Adam(model.parameters())  # lr 1e-3, betas (0.9, 0.999), eps 1e-8
  loss_fn = nn.CrossEntropyLoss()
  t0 = time.perf_counter()
  loss = train_one_epoch(model, opt, loss_fn, x, y)
  return time.perf_counter() - t0, loss


def bench_model(mid, data, args):
  title, make, stem, shape = MODELS[mid]
  x, y = data[stem]
  x = x.reshape((x.shape[0],) + shape)  # a view: MLPs read the images as 784-vectors
  times, loss = [], float("nan")
  for i in range(args.warmup + args.runs):
    warm = i < args.warmup
    s, loss = time_one_epoch(make, x, y)
    if not warm:
      times.append(s)
    k, of = (i + 1, args.warmup) if warm else (i - args.warmup + 1, args.runs)
    print(f"  torch    {mid:<5} {'warm-up' if warm else 'run'} {k}/{of}: {s:.3f} s "
          f"(loss {loss:.4f})", file=sys.stderr, flush=True)
  steps = (x.shape[0] + BATCH - 1) // BATCH
  med = statistics.median(times)
  if args.csv:
    print(f"torch,{mid},{x.shape[0]},{steps},{args.runs},{med:.6f},{min(times):.6f},"
          f"{max(times):.6f},{1e3 * med / steps:.4f}", flush=True)
  else:
    print(f"{title:<22} {x.shape[0]:>8} {steps:>6} {med:>10.3f} {min(times):>8.3f} "
          f"{max(times):>8.3f} {1e3 * med / steps:>8.3f} {loss:>9.4f}", flush=True)


def main():
  p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
  p.add_argument("--data", required=True, help="directory written by bench-train --dump-data")
  p.add_argument("--runs", type=int, default=5, help="timed epochs per model (default 5)")
  p.add_argument("--warmup", type=int, default=0, help="untimed epochs first (default 0)")
  p.add_argument("--only", choices=sorted(MODELS), help="one model")
  p.add_argument("--csv", action="store_true", help="print machine-readable lines only")
  args = p.parse_args()
  if args.runs < 1 or args.warmup < 0:
    p.error("--runs must be >= 1 and --warmup >= 0")

  torch.set_num_threads(1)
  ids = [args.only] if args.only else list(MODELS)
  data = {}
  for mid in ids:
    stem = MODELS[mid][2]
    if stem not in data:
      data[stem] = load_data(args.data, stem)

  if args.csv:
    print("impl,model,samples,steps,runs,median_s,min_s,max_s,ms_per_step")
  else:
    print(f"PyTorch {torch.__version__}: one epoch, batch {BATCH}, Adam defaults, "
          f"{args.runs} run(s), median of runs; {torch.get_num_threads()} thread(s), "
          f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')}\n")
    print(f"{'model':<22} {'samples':>8} {'steps':>6} {'median s':>10} {'min s':>8} "
          f"{'max s':>8} {'ms/step':>8} {'loss':>9}")
  for mid in ids:
    bench_model(mid, data, args)


if __name__ == "__main__":
  main()
