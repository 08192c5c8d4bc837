/* The aclImdb reader fed an archive (any format and compression libarchive
 * reads: the seeds are small aclImdb tarballs, plain and gzipped). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/data_internal.h"
#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *path = fuzz_write("aclImdb.tar.gz", data, size);
    for (int keep_unsup = 0; keep_unsup < 2; keep_unsup++) {
        RawCorpus c;
        memset(&c, 0, sizeof c);
        c.keep_unsup = keep_unsup;
        c.block_bytes = 4096; /* the default 4 MB per input would make fuzzing crawl */
        char err[1024];
        /* A small archive holds too little to exhaust memory, unless the
         * reader believed a size its header claimed. */
        if (imdb_read(path, &c, err, sizeof err) != 0 && size < 65536 && strstr(err, "out of memory")) {
            fprintf(stderr, "a %zu-byte archive ran the reader out of memory: %s\n", size, err);
            abort();
        }
        raw_corpus_free(&c);
    }
    return 0;
}
