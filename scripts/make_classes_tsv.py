#!/usr/bin/env python3
"""Writes a small labelled TSV whose class is decided by a rule: each text
holds exactly one of five marker words (the class) among filler words.
usage: make_classes_tsv.py OUT.tsv [ROWS] [SEED]"""
import os
import random
import sys

CLASSES = {"sports": "football", "politics": "election", "science": "molecule", "music": "guitar", "food": "noodles"}
FILLER = ("the a of and to in that it was for on with as his they at be this from have or one had by word but what "
          "some we can out other were all there when up use your how said an each she which do their time if will "
          "way about many then them write would like so these her long make thing see him two has look more day "
          "could go come did number sound no most people my over know water than call first who may down side").split()


def main():
    out = sys.argv[1]
    rows = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    names = sorted(CLASSES)
    if os.path.dirname(out):
        os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w", encoding="utf-8") as f:
        f.write("text\tlabel\n")
        for _ in range(rows):
            label = rng.choice(names)
            words = [rng.choice(FILLER) for _ in range(rng.randint(6, 20))]
            words.insert(rng.randint(0, len(words)), CLASSES[label])
            f.write(" ".join(words) + "\t" + label + "\n")


if __name__ == "__main__":
    main()
