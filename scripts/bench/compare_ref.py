#!/usr/bin/python3
"""Prints sentui against PyTorch at its best setting, per architecture, with
every PyTorch setting shown, the spreads, the share of the machine's peak,
the thread scaling, and whether each target is met.

usage: compare_ref.py DIR   (DIR holds sentui.jsonl, sentui-1.jsonl and torch-*.jsonl)
"""
import glob
import json
import os
import sys

ARCHS = ["rnn", "lstm", "gru", "transformer"]
TRAIN_TARGET = {"rnn": 3.0, "lstm": 2.6, "gru": 2.7, "transformer": 8.0}
PEAK_TARGET = {"rnn": 60, "lstm": 70, "gru": 70, "transformer": 70}
EVAL_TARGET = 6.0


def load(path):
    rows = {}
    if not os.path.exists(path):
        return rows
    for line in open(path):
        line = line.strip()
        if line:
            r = json.loads(line)
            if "arch" in r and "lab/" in r.get("config", "lab/"):
                rows.setdefault(r["arch"], r)
    return rows


def k(x):
    return f"{x / 1000:.1f}k"


def main():
    d = sys.argv[1]
    s, s1 = load(os.path.join(d, "sentui.jsonl")), load(os.path.join(d, "sentui-1.jsonl"))
    torch = {}
    for p in sorted(glob.glob(os.path.join(d, "torch-*.jsonl"))):
        setting = os.path.basename(p)[len("torch-"):-len(".jsonl")]
        for arch, r in load(p).items():
            torch.setdefault(arch, {})[setting] = r

    print("PyTorch, every setting (train tokens/s median [min-max] | eval reviews/s median):")
    settings = sorted({st for a in torch.values() for st in a})
    print(f"{'arch':12} " + " ".join(f"{st:>30}" for st in settings))
    for arch in ARCHS:
        if arch not in torch:
            continue
        cells = []
        for st in settings:
            r = torch[arch].get(st)
            if not r:
                cells.append(f"{'-':>30}")
                continue
            lo, hi = r["train_tokens_per_s_spread"]
            cells.append(f"{k(r['train_tokens_per_s']) + ' [' + k(lo) + '-' + k(hi) + '] | ' + str(round(r['eval_reviews_per_s'])):>30}")
        print(f"{arch:12} " + " ".join(cells))
    print()

    ok_all = True
    print(f"{'arch':12} {'sentui tok/s':>22} {'PyTorch best tok/s':>30} {'ratio':>6} {'target':>6} "
          f"{'eval x':>6} {'GFLOP/s':>7} {'%peak':>6} {'target':>6} {'%GEMM':>6} {'RSS MB':>7} {'2t/1t':>6}")
    for arch in ARCHS:
        if arch not in s or arch not in torch:
            continue
        a = s[arch]
        bt_set, bt = max(torch[arch].items(), key=lambda kv: kv[1]["train_tokens_per_s"])
        be_set, be = max(torch[arch].items(), key=lambda kv: kv[1]["eval_reviews_per_s"])
        tr = a["train_tokens_per_s"] / bt["train_tokens_per_s"]
        ev = a["eval_reviews_per_s"] / be["eval_reviews_per_s"]
        lo, hi = a["train_tokens_per_s_spread"]
        blo, bhi = bt["train_tokens_per_s_spread"]
        scale = ""
        if arch in s1 and a.get("threads", 1) > 1:
            scale = f"{a['train_tokens_per_s'] / (a['threads'] * s1[arch]['train_tokens_per_s']):.0%}"
        pct = a.get("pct_machine_peak", 0)
        ok = tr >= TRAIN_TARGET[arch] and ev >= EVAL_TARGET and pct >= PEAK_TARGET[arch]
        ok_all &= ok
        print(f"{arch:12} {k(a['train_tokens_per_s']) + ' [' + k(lo) + '-' + k(hi) + ']':>22} "
              f"{k(bt['train_tokens_per_s']) + ' [' + k(blo) + '-' + k(bhi) + '] ' + bt_set:>30} "
              f"{tr:6.2f} {TRAIN_TARGET[arch]:6.1f} {ev:6.2f} {a['gflops']:7.1f} {pct:6.1f} "
              f"{PEAK_TARGET[arch]:6d} {a['pct_peak']:6.0f} {a['peak_rss_mb']:7.0f} {scale:>6}  "
              f"{'met' if ok else 'MISSED'}")
        print(f"{'':12} {'':>22} {'(eval best: ' + be_set + ')':>30}")
    if s:
        any_row = next(iter(s.values()))
        print(f"\nmachine peak {any_row.get('machine_peak_gflops', 0):.1f} GFLOP/s (OpenBLAS sgemm, large square, "
              f"{any_row.get('threads')} threads); eval target {EVAL_TARGET}x; 2t/1t is sentui's thread-scaling "
              f"efficiency (training rate at 2 threads / twice the 1-thread rate)")
    print("all targets met" if ok_all else "some targets missed")


if __name__ == "__main__":
    main()
