#!/usr/bin/python3
"""Prints sentui vs PyTorch per architecture and whether each target is met."""
import json
import sys

TRAIN_TARGET = {"rnn": 2.0, "lstm": 2.5, "gru": 2.5, "transformer": 4.0}
EVAL_TARGET = 2.5
PEAK_TARGET = {"rnn": 50, "lstm": 60, "gru": 60, "transformer": 60}


def load(path):
    rows = {}
    for line in open(path):
        line = line.strip()
        if line:
            r = json.loads(line)
            if "arch" in r and "lab/" in r.get("config", "lab/"):
                rows.setdefault(r["arch"], r)
    return rows


def main():
    s, t = load(sys.argv[1]), load(sys.argv[2])
    ok_all = True
    print(f"{'arch':12} {'sentui tok/s':>13} {'torch tok/s':>12} {'ratio':>6} {'target':>6}  "
          f"{'eval x':>6}  {'%peak':>6} {'target':>6}  {'RSS MB':>7}")
    for arch in ["rnn", "lstm", "gru", "transformer"]:
        if arch not in s or arch not in t:
            continue
        a, b = s[arch], t[arch]
        tr = a["train_tokens_per_s"] / b["train_tokens_per_s"]
        ev = a["eval_reviews_per_s"] / b["eval_reviews_per_s"]
        ok = tr >= TRAIN_TARGET[arch] and ev >= EVAL_TARGET and a["pct_peak"] >= PEAK_TARGET[arch]
        ok_all &= ok
        print(f"{arch:12} {a['train_tokens_per_s']:13.0f} {b['train_tokens_per_s']:12.0f} {tr:6.2f} "
              f"{TRAIN_TARGET[arch]:6.1f}  {ev:6.2f}  {a['pct_peak']:6.1f} {PEAK_TARGET[arch]:6d}  "
              f"{a['peak_rss_mb']:7.0f}  {'met' if ok else 'MISSED'}")
    print("all targets met" if ok_all else "some targets missed")


if __name__ == "__main__":
    main()
