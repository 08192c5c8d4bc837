#!/usr/bin/env bash
# Writes an aclImdb-shaped folder of generated reviews for trying pretraining
# without IMDb: train/unsup holds unlabelled reviews, each one word of the NATO
# alphabet repeated (so the masked words follow from the rest of the review:
# masked-token accuracy can reach 1, chance is 1/26); train/{pos,neg} and
# test/{pos,neg} hold labelled ones, six words in order from the first half of
# the alphabet (positive) or the second (negative).
#   scripts/mlm_demo_data.sh DIR [UNLABELLED [LABELLED_PER_CLASS]]
set -euo pipefail
root=${1:?usage: scripts/mlm_demo_data.sh DIR [UNLABELLED [LABELLED_PER_CLASS]]}
mkdir -p "$root"/train/unsup "$root"/train/pos "$root"/train/neg "$root"/test/pos "$root"/test/neg
awk -v root="$root" -v nunsup="${2:-1200}" -v nlab="${3:-300}" 'BEGIN {
    split("alpha bravo charlie delta echo foxtrot golf hotel india juliett kilo lima mike november oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu", w, " ")
    srand(7)
    for (i = 1; i <= nunsup; i++) {
        k = int(rand() * 26); n = 8 + int(rand() * 16); s = ""
        for (j = 0; j < n; j++) s = s (j ? " " : "") w[k + 1]
        f = root "/train/unsup/" i "_0.txt"
        print s > f; close(f)
    }
    split("train test", sp, " ")
    for (q = 1; q <= 2; q++) for (lab = 0; lab < 2; lab++) for (i = 1; i <= (q == 1 ? nlab : int(nlab / 3)); i++) {
        k = int(rand() * 7) + (lab ? 0 : 13); s = ""
        for (j = 0; j < 6; j++) s = s (j ? " " : "") w[k + j + 1]
        f = root "/" sp[q] "/" (lab ? "pos" : "neg") "/" i "_" (lab ? 8 : 2) ".txt"
        print s > f; close(f)
    }
}'
