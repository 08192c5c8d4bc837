"""Expected data-parallel scaling of the tuned configs at 8 and 64 ranks, on
paper, from what one 2-core machine measures (scripts/bench/mpi_figures.sh,
scripts/bench/union_rows.py). docs/scaling.md explains the model:

  step time at N ranks = compute / N + optimizer + exchange(N)
  exchange(N) = 2 (N-1)/N * bytes / bandwidth + 2 (N-1) * latency   (ring all-reduce)
  bytes = 4 * (dense parameters + rows touched by the global batch * embedding width)
          + 1 byte per embedding row (the OR that agrees on the rows)

Strong scaling keeps the global batch (the configs' batch_size, as the
1-process curve needs); weak scaling gives every rank the configs' batch, so
the global batch, and the rows it touches, grow with N.
    python3 scripts/bench/scaling_model.py
"""
import math

# Measured on the 2-core machine by scripts/bench/mpi_figures.sh (docs/scaling.md):
# per config, the parameters, the embedding tables (rows, width), reviews per
# step, and at 2 ranks x 1 thread the training tokens/s and the exchange's
# milliseconds per step. Tokens per review: IMDb's mean (union_rows.py).
TOKENS_PER_REVIEW = 254
CONFIGS = {
    # name: (params, [(rows, width)], batch, tokens/s at 2 ranks, exchange ms at 2 ranks)
    "rnn": (3906562, [(30000, 128)], 64, 308.6e3, 3.0),
    "lstm": (4104706, [(30000, 128)], 64, 108.0e3, 5.1),
    "gru": (4038658, [(30000, 128)], 64, 115.3e3, 6.1),
    "transformer": (4049538, [(30000, 128)], 64, 118.8e3, 7.0),
    "bag": (14720130, [(30000, 64), (200000, 64)], 128, 819.5e3, 8.0),
}

# Every rank repeats the optimizer's update of every parameter (Adam reads and
# writes weight, gradient and both moments): about 2 ns a parameter on one
# core here, which is what the bag model's 2-rank step time leaves after its
# exchange and its small compute. It does not shrink with more ranks.
OPTIMIZER_S_PER_PARAM = 2.0e-9

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
    print("| config | one core: batch + optimizer | bytes a step (config's batch) | link | "
          "strong 8 | strong 64 | weak 8 | weak 64 |")
    print("|---|---|---|---|---|---|---|---|")
    for name, (params, tables, batch, rate2, exch2_ms) in CONFIGS.items():
        opt = params * OPTIMIZER_S_PER_PARAM
        step2 = batch * TOKENS_PER_REVIEW / rate2
        compute = 2 * (step2 - opt - exch2_ms / 1e3)  # the whole batch's forward and backward on one core
        one = compute + opt
        for link_name, link in LINKS.items():
            cells = []
            for n in (8, 64):  # strong: the global batch stays `batch`
                t = compute / n + opt + exchange_seconds(exchange_bytes(params, tables, batch), n, link)
                cells.append(f"{one / t:.1f}x")
            for n in (8, 64):  # weak: every rank keeps `batch` reviews
                t = compute + opt + exchange_seconds(exchange_bytes(params, tables, batch * n), n, link)
                cells.append(f"{n * one / t:.1f}x")
            print(f"| {name} | {compute * 1e3:.0f} + {opt * 1e3:.0f} ms | "
                  f"{exchange_bytes(params, tables, batch) / 1e6:.2f} MB | {link_name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
