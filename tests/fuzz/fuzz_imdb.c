/* The aclImdb reader fed an archive (any format and compression libarchive
 * reads: the seeds are small aclImdb tarballs, plain and gzipped). */
#include <stdint.h>
#include <stdlib.h>

#include "data_internal.h"
#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    /* Small text blocks: the default 4 MB per input would make fuzzing crawl. */
    raw_corpus_block_bytes = 4096;
    const char *path = fuzz_write("aclImdb.tar.gz", data, size);
    for (int keep_unsup = 0; keep_unsup < 2; keep_unsup++) {
        RawCorpus c;
        memset(&c, 0, sizeof c);
        c.keep_unsup = keep_unsup;
        char err[1024];
        imdb_read(path, &c, err, sizeof err);
        raw_corpus_free(&c);
    }
    return 0;
}
