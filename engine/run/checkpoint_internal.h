/* Shared by checkpoint.c (save, load) and checkpoint_meta.c (metadata). */
#ifndef SENTUI_CHECKPOINT_INTERNAL_H
#define SENTUI_CHECKPOINT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "run/checkpoint.h"
#include "run/safetensors.h"

#define CKPT_OPT_M_PREFIX "optim.m."
#define CKPT_OPT_V_PREFIX "optim.v."
#define CKPT_FNV_SEED 0xcbf29ce484222325ULL

/* FNV-1a over 8-byte words (bytes for the tail): cheap enough for every save,
 * and any flipped bit changes it. */
uint64_t ckpt_fnv_update(uint64_t h, const void *data, size_t n);
/* Format 2 checksum: the header as sorted compact JSON without the checksum
 * field, then the tensor bytes in f's order (file order). -1: out of memory
 * or metadata that is not JSON. */
int ckpt_checksum(const StFile *f, const char *metadata_json, uint64_t *sum);
/* Fills meta from f's metadata, checking format, checksum and every field;
 * resume: the resume fields must all be there. */
int ckpt_read_meta(const StFile *f, const char *path, CheckpointMeta *meta, int resume, char *err, size_t errlen);

#endif
