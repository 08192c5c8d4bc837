#!/usr/bin/python3
"""PyTorch reference for `make bench-ref`: the lab's modules, shapes and batch,
timed the way `sentui bench` times sentui (median of repetitions after a
warm-up, spread printed). Tokens/s counts padded tokens (batch x max_len), as
the lab's loop processes them. Evaluation runs under torch.inference_mode().

One process measures one thread setting: OMP_WAIT_POLICY is read when
PyTorch's OpenMP runtime starts, so bench_ref.sh runs this script once per
setting (plain / PASSIVE, 1 / 2 threads) and keeps the fastest per
architecture. Prints one JSON object per architecture.

usage: torch_ref.py [--threads N] [--steps N] [--reps N] [--arch rnn,lstm,gru,transformer]
"""
import argparse
import json
import os
import statistics
import time

import torch
import torch.nn as nn

VOCAB, MAX_LEN, BATCH = 10000, 200, 64


class Recurrent(nn.Module):
    """The lab's RNN/LSTM/GRU: embedding 100, hidden 128, final state after the padding."""

    def __init__(self, kind):
        super().__init__()
        self.embedding = nn.Embedding(VOCAB, 100)
        cell = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[kind]
        self.rnn = cell(100, 128, batch_first=True)
        self.fc = nn.Linear(128, 2)

    def forward(self, x):
        out, _ = self.rnn(self.embedding(x))
        return self.fc(out[:, -1, :])


class Transformer(nn.Module):
    """The lab's Transformer: embed 128, 4 heads, ff 256, 2 layers, mean pooling."""

    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(VOCAB, 128)
        self.pos_embedding = nn.Embedding(MAX_LEN, 128)
        layer = nn.TransformerEncoderLayer(128, 4, 256, dropout=0.1, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, 2)
        self.fc = nn.Linear(128, 2)

    def forward(self, x):
        pos = torch.arange(x.shape[1]).unsqueeze(0)
        h = self.encoder(self.embedding(x) + self.pos_embedding(pos))
        return self.fc(h.mean(dim=1))


def make(arch):
    return Transformer() if arch == "transformer" else Recurrent(arch)


def spread(v):
    return [min(v), max(v)]


def bench(arch, steps, reps, eval_batch):
    torch.manual_seed(0)
    model = make(arch)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    lossf = nn.CrossEntropyLoss()
    x = torch.randint(1, VOCAB, (BATCH, MAX_LEN))
    y = torch.randint(0, 2, (BATCH,))

    def train_steps(n):
        model.train()
        for _ in range(n):
            opt.zero_grad()
            loss = lossf(model(x), y)
            loss.backward()
            opt.step()

    train_steps(2)  # warm-up: allocator, thread pool, kernels chosen
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        train_steps(steps)
        times.append((time.perf_counter() - t) / steps)
    step = statistics.median(times)
    xe = torch.randint(1, VOCAB, (eval_batch, MAX_LEN))
    model.eval()
    with torch.inference_mode():
        model(xe)
        et = []
        for _ in range(reps):
            t = time.perf_counter()
            model(xe)
            et.append(time.perf_counter() - t)
    ev = statistics.median(et)
    return {
        "arch": arch,
        "impl": "pytorch",
        "version": torch.__version__,
        "threads": torch.get_num_threads(),
        "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", "default"),
        "reps": reps,
        "params": sum(p.numel() for p in model.parameters()),
        "step_ms": step * 1e3,
        "step_ms_spread": [t * 1e3 for t in spread(times)],
        "train_tokens_per_s": BATCH * MAX_LEN / step,
        "train_tokens_per_s_spread": [BATCH * MAX_LEN / t for t in reversed(spread(times))],
        "train_reviews_per_s": BATCH / step,
        "eval_reviews_per_s": eval_batch / ev,
        "eval_reviews_per_s_spread": [eval_batch / t for t in reversed(spread(et))],
        "eval_test_seconds": 25000 / (eval_batch / ev),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--eval-batch", type=int, default=256)
    ap.add_argument("--arch", default="rnn,lstm,gru,transformer")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    for arch in a.arch.split(","):
        steps = max(1, a.steps // 4) if arch == "transformer" else a.steps
        print(json.dumps(bench(arch, steps, max(a.reps, 5), a.eval_batch)), flush=True)


if __name__ == "__main__":
    main()
