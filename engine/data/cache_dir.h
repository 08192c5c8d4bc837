/* The folder cached datasets (data-<key>.bin) and word vectors (w2v-<key>.bin)
 * are kept in. The caller names it (sentui's default is .cache in the working
 * directory); it is created on first use and holds only the most recent
 * files of each kind. */
#ifndef SENTUI_CACHE_DIR_H
#define SENTUI_CACHE_DIR_H

#include <stddef.h>
#include <stdint.h>

/* dir/<prefix><key as 16 hex digits>.bin into buf. */
void cache_file_path(const char *dir, const char *prefix, uint64_t key, char *buf, size_t n);
/* Creates dir (one level) when missing. NULL when dir is (now) a folder, else
 * why it cannot be used, in words. */
const char *cache_dir_prepare(const char *dir);
/* Keeps the `keep` most recently written dir/<prefix>*.bin files. */
void cache_dir_prune(const char *dir, const char *prefix, int keep);

#endif
