"""PyTorch side of scripts/bench/hf_ref.sh: DistilBERT fine-tuning and
inference tokens/s on a Hugging Face folder, with the module layout and names
of scripts/fixtures/hf_bert.py (plain torch; `transformers` is not needed).

  hf_torch_ref.py make DIR          a random folder of small shapes, for a smoke test
  hf_torch_ref.py bench DIR [--threads N] [--reps N] [--steps N] [--batch N]
                  [--max-len N] [--eval-batch N]
      loads DIR's config.json and model.safetensors (F32) and prints one JSON
      line: training (AdamW, as configs/distilbert.yaml) and evaluation
      (torch.inference_mode) tokens/s, medians of --reps after a warm-up,
      counting every position of batch x max-len random ids.

Needs Debian's python3-torch: /usr/bin/python3 scripts/bench/hf_torch_ref.py ...
"""
import argparse
import json
import os
import statistics
import struct
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures"))
import hf_bert  # noqa: E402
import st  # noqa: E402


def make_small(folder):
    """Small shapes with BERT's vocab layout: quick to build, load and run."""
    os.makedirs(folder, exist_ok=True)
    torch.manual_seed(1)
    c = {"vocab_size": 2000, "dim": 64, "n_heads": 4, "hidden_dim": 128, "n_layers": 2,
         "max_position_embeddings": 128, "dropout": 0.1, "attention_dropout": 0.1, "seq_classif_dropout": 0.2,
         "initializer_range": 0.02, "pad_token_id": 0, "id2label": {"0": "NEGATIVE", "1": "POSITIVE"}}
    model = hf_bert.DistilBertForSequenceClassification(c)
    hf_bert.hf_init(model, c)
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(hf_bert.config_json(c), f, indent=2, sort_keys=True)
    with open(os.path.join(folder, "vocab.txt"), "w") as f:
        f.write("".join(v + "\n" for v in hf_bert.base_vocab(c["vocab_size"])))
    st.save(os.path.join(folder, "model.safetensors"), [(n, p.detach()) for n, p in model.named_parameters()],
            {"format": "pt"})
    print(f"{folder}: {sum(p.numel() for p in model.parameters())} parameters")


def load_f32(path):
    """The F32 tensors of a safetensors file, by name."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, h in header.items():
        if name == "__metadata__":
            continue
        if h["dtype"] != "F32":
            raise SystemExit(f"{path}: {name} is {h['dtype']}; this reference reads F32 only")
        a, b = h["data_offsets"]
        out[name] = torch.frombuffer(bytearray(data[a:b]), dtype=torch.float32).reshape(h["shape"])
    return out


def load(folder):
    with open(os.path.join(folder, "config.json")) as f:
        c = json.load(f)
    model = hf_bert.DistilBertForSequenceClassification(c)
    weights = load_f32(os.path.join(folder, "model.safetensors"))
    model.load_state_dict({k: v for k, v in weights.items() if k in model.state_dict()}, strict=True)
    return model, c


def median_and_range(times):
    return statistics.median(times), [min(times), max(times)]


def bench(a):
    model, c = load(a.folder)
    torch.manual_seed(0)
    T, B, EB = a.max_len, a.batch, a.eval_batch
    x = torch.randint(1000, c["vocab_size"], (B, T))
    mask = torch.ones(B, T, dtype=torch.long)
    y = torch.randint(0, 2, (B,))
    decay = [p for n, p in model.named_parameters() if not hf_bert.no_decay(n)]
    rest = [p for n, p in model.named_parameters() if hf_bert.no_decay(n)]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": rest, "weight_decay": 0.0}], lr=3e-5)
    lossf = torch.nn.CrossEntropyLoss()

    def train_steps(n):
        model.train()
        for _ in range(n):
            opt.zero_grad()
            loss = lossf(model(x, mask), y)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()

    train_steps(1)  # warm-up: allocator, thread pool, kernels chosen
    times = []
    for _ in range(a.reps):
        t = time.perf_counter()
        train_steps(a.steps)
        times.append((time.perf_counter() - t) / a.steps)
    step, step_range = median_and_range(times)
    xe = torch.randint(1000, c["vocab_size"], (EB, T))
    me = torch.ones(EB, T, dtype=torch.long)
    model.eval()
    with torch.inference_mode():
        model(xe, me)
        et = []
        for _ in range(a.reps):
            t = time.perf_counter()
            model(xe, me)
            et.append(time.perf_counter() - t)
    ev, ev_range = median_and_range(et)
    return {
        "impl": "pytorch",
        "version": torch.__version__,
        "threads": torch.get_num_threads(),
        "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", "default"),
        "reps": a.reps,
        "params": sum(p.numel() for p in model.parameters()),
        "batch": B,
        "max_len": T,
        "train_tokens_per_s": B * T / step,
        "train_tokens_per_s_range": [B * T / t for t in reversed(step_range)],
        "eval_tokens_per_s": EB * T / ev,
        "eval_tokens_per_s_range": [EB * T / t for t in reversed(ev_range)],
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["make", "bench"])
    ap.add_argument("folder")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--max-len", type=int, default=256)
    ap.add_argument("--eval-batch", type=int, default=32)
    a = ap.parse_args()
    if a.what == "make":
        make_small(a.folder)
        return
    torch.set_num_threads(a.threads)
    print(json.dumps(bench(a)), flush=True)


if __name__ == "__main__":
    main()
