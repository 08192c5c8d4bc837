/* safetensors files (8-byte little-endian header length, JSON header, raw
 * little-endian data): the checkpoint format, loadable by Python's safetensors
 * and PyTorch, and the format of the PyTorch-made test fixtures. Readers
 * validate every offset and size, so a truncated or corrupt file is reported,
 * never half-read. */
#ifndef SENTUI_SAFETENSORS_H
#define SENTUI_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

/* F16 and BF16 are read (Hugging Face checkpoints), for callers to widen. */
typedef enum { ST_F32, ST_I32, ST_I64, ST_F64, ST_F16, ST_BF16 } StDtype;

typedef struct StTensor {
    char name[128];
    StDtype dtype;
    int ndim;
    int64_t shape[8];
    size_t nbytes;
    size_t begin;        /* offset in the data section (reader and writer) */
    const void *data;    /* points into the file's buffer (reader) or caller memory (writer) */
} StTensor;

typedef struct StFile {
    StTensor *tensors;
    int n, cap;
    char *metadata_json; /* "__metadata__" object as JSON text, or NULL */
    void *buffer;        /* reader: whole file */
    size_t buffer_size;
} StFile;

/* Reader. Returns 0, or -1 with a reason in err ("truncated: ...", "corrupt header: ...").
 * Checks the structure as Python's safetensors does before reading any tensor
 * data: header length at most ST_MAX_HEADER, unique printable names, known
 * dtypes, shapes that match their byte ranges, and ranges that are contiguous,
 * never overlap and cover the data section exactly. Tensors come out in file
 * order (by offset). st_load_limited also refuses, before reading it, a data
 * section bigger than max_data bytes (what the caller's model can need). */
#define ST_MAX_HEADER (100u << 20)
/* Text from a file, fit to quote in a one-line error: printable ASCII only (so a
 * crafted header cannot send escape sequences to the terminal), cut with "..." to fit n. */
const char *st_printable(const char *s, char *buf, size_t n);
int st_load(StFile *f, const char *path, char *err, size_t errlen);
int st_load_limited(StFile *f, const char *path, uint64_t max_data, char *err, size_t errlen);
/* The header as JSON text: tensors (by their begin offsets) and metadata.
 * flags are jansson dump flags (JSON_SORT_KEYS gives a canonical text). */
char *st_header_json(const StFile *f, const char *metadata_json, size_t flags);
const StTensor *st_find(const StFile *f, const char *name);
/* Copies a float32 tensor of exactly n elements; -1 with err when missing or mis-shaped. */
int st_get_f32(const StFile *f, const char *name, float *dst, size_t n, char *err, size_t errlen);
/* Value of a string in __metadata__ (safetensors metadata values are strings). */
const char *st_metadata(const StFile *f, const char *key, char *buf, size_t n);

/* Writer: add tensors (data must stay valid until st_save), then save atomically
 * (temp file, fsync, rename). metadata: flat JSON object of strings, or NULL. */
void st_add(StFile *f, const char *name, StDtype dtype, int ndim, const int64_t *shape, const void *data);
int st_save(const StFile *f, const char *path, const char *metadata_json, char *err, size_t errlen);
void st_free(StFile *f);

#endif
