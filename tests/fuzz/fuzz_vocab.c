/* vocab.txt of a run folder (one word per line, id = line number - 1),
 * then lookups of every word it held. */
#include <stdint.h>
#include <stdlib.h>

#include "data/data.h"
#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *path = fuzz_write("vocab.txt", data, size);
    Vocab v;
    char err[512];
    if (vocab_load(&v, path, err, sizeof err) == 0) {
        for (int i = 0; i < v.n; i++)
            if (vocab_lookup(&v, v.words[i], strlen(v.words[i])) != i) abort();
        vocab_free(&v);
    }
    return 0;
}
