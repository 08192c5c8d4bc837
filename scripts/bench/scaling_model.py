"""Expected data-parallel scaling of the tuned configs at 8 and 64 ranks, on
paper, from what one 2-core machine measures (scripts/bench/mpi_figures.sh,
scripts/bench/union_rows.py). docs/scaling.md explains the model:

  step time at N ranks = compute / N + exchange(N)
  exchange(N) = 2 (N-1)/N * bytes / bandwidth + 2 (N-1) * latency   (ring all-reduce)
  bytes = 4 * (dense parameters + rows touched by the global batch * embedding width)
          + 1 byte per embedding row (the OR that agrees on the rows)

Strong scaling keeps the global batch (the configs' batch_size, as the
1-process curve needs); weak scaling gives every rank the configs' batch, so
the global batch, and the rows it touches, grow with N.
    python3 scripts/bench/scaling_model.py
"""
import math

# Measured on the 2-core machine (docs/scaling.md says when): per config, the
# parameters, the embedding tables (rows, width), reviews per step, mean
# tokens per review, and one rank's training tokens/s at 1 thread.
CONFIGS = {
    # name: (params, [(rows, width)], batch, tokens_per_review, tokens_per_s_one_rank)
    "rnn": (None, [(30000, 128)], 64, 254, None),
    "lstm": (None, [(30000, 128)], 64, 254, None),
    "gru": (None, [(30000, 128)], 64, 254, None),
    "transformer": (None, [(30000, 128)], 64, 254, None),
    "bag": (None, [(30000, 64), (200000, 64)], 128, 254, None),
}

# Rows a batch of B training reviews touches (scripts/bench/union_rows.py on
# IMDb): words of the 30,000-word vocabulary, and the bag's bigram buckets.
# Columns: batch, word rows (of 30,000), bigram buckets (of 200,000).
UNION = [(32, 1997, 6002), (64, 3255, 11169), (128, 5103, 20488), (256, 7552, 34406), (512, 11182, 57816),
         (1024, 15386, 88866), (2048, 20336, 127092), (4096, 25086, 163500), (8192, 28537, 188176)]

LINKS = {"10 Gb/s": (10e9 / 8, 20e-6), "100 Gb/s": (100e9 / 8, 2e-6)}


def union_rows(batch, rows):
    """Log-log interpolation of the measured union (bigram buckets for tables
    over 30,000 rows), at most the table."""
    col = 2 if rows > 30000 else 1
    pts = [(math.log(u[0]), math.log(u[col])) for u in UNION]
    x = math.log(max(batch, UNION[0][0]))
    if x >= pts[-1][0]:
        u = UNION[-1][col]
    else:
        i = max(k for k in range(len(pts)) if pts[k][0] <= x)
        (x0, y0), (x1, y1) = pts[i], pts[i + 1]
        u = math.exp(y0 + (y1 - y0) * (x - x0) / (x1 - x0))
    return min(rows, u)


def exchange_bytes(params, tables, global_batch):
    emb = sum(r * w for r, w in tables)
    sent = sum(union_rows(global_batch, r) * w for r, w in tables)
    return 4 * (params - emb + sent) + sum(r for r, _ in tables)


def exchange_seconds(nbytes, n, link):
    bw, lat = link
    return 2 * (n - 1) / n * nbytes / bw + 2 * (n - 1) * lat


def main():
    print("| config | per-step compute, 1 rank | bytes a step (global batch 64) | link | "
          "strong 8 | strong 64 | weak 8 | weak 64 |")
    print("|---|---|---|---|---|---|---|---|")
    for name, (params, tables, batch, tokens, rate) in CONFIGS.items():
        if params is None or rate is None:
            continue
        compute = batch * tokens / rate
        for link_name, link in LINKS.items():
            cells = []
            for n in (8, 64):  # strong: the global batch stays `batch`
                t = compute / n + exchange_seconds(exchange_bytes(params, tables, batch), n, link)
                cells.append(f"{compute / t:.1f}x")
            for n in (8, 64):  # weak: every rank keeps `batch` reviews
                t = compute + exchange_seconds(exchange_bytes(params, tables, batch * n), n, link)
                cells.append(f"{n * compute / t:.1f}x")
            print(f"| {name} | {compute * 1e3:.0f} ms | {exchange_bytes(params, tables, batch) / 1e6:.2f} MB | "
                  f"{link_name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
