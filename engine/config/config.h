/* The one schema table behind every config: parsing, validation, defaults,
 * --set overrides, `sentui config --schema`, the TUI editor's form and the
 * resolved YAML written into each run folder all walk CONFIG_SCHEMA, so a key
 * added here appears everywhere at once. */
#ifndef SENTUI_CONFIG_H
#define SENTUI_CONFIG_H

#include <stddef.h>
#include <stdint.h>

/* Architectures a key applies to (bit set). */
enum {
    A_RNN = 1 << 0,
    A_LSTM = 1 << 1,
    A_GRU = 1 << 2,
    A_TRANSFORMER = 1 << 3,
    A_BAG = 1 << 4,
    A_DISTILBERT = 1 << 5,
    A_RECURRENT = A_RNN | A_LSTM | A_GRU,
    A_ALL = 0x3f,
};

typedef enum { ARCH_RNN, ARCH_LSTM, ARCH_GRU, ARCH_TRANSFORMER, ARCH_BAG, ARCH_DISTILBERT, ARCH_COUNT } Arch;

/* Enumerations are stored as the index into their '|'-separated value list. */
#define ARCH_VALUES "rnn|lstm|gru|transformer|bag|distilbert"
#define POOLING_VALUES "last|mean|max|attention|cls"
typedef enum { POOL_LAST, POOL_MEAN, POOL_MAX, POOL_ATTENTION, POOL_CLS } Pooling;
#define ACTIVATION_VALUES "relu|gelu"
typedef enum { ACT_RELU, ACT_GELU } Activation;
#define POSITION_VALUES "learned|sinusoidal|none"
typedef enum { POS_LEARNED, POS_SINUSOIDAL, POS_NONE } Position;
#define NORM_VALUES "post|pre"
typedef enum { NORM_POST, NORM_PRE } NormPlacement;
#define PRETRAIN_VALUES "none|word2vec"
typedef enum { PRETRAIN_NONE, PRETRAIN_WORD2VEC } Pretrain;
#define DATASET_VALUES "imdb|synthetic|csv|tsv|jsonl|folders"
/* csv..folders: the user's own labelled data (data.train_file and friends) */
typedef enum { DATASET_IMDB, DATASET_SYNTHETIC, DATASET_CSV, DATASET_TSV, DATASET_JSONL, DATASET_FOLDERS } DatasetKind;
#define DATASET_IS_OWN(k) ((k) >= DATASET_CSV)
#define TRUNCATE_VALUES "head|tail"
typedef enum { TRUNC_HEAD, TRUNC_TAIL } Truncate;
#define OPTIMIZER_VALUES "sgd|adam|adamw"
typedef enum { OPT_SGD, OPT_ADAM, OPT_ADAMW } OptimizerKind;
#define SCHEDULE_VALUES "constant|linear|cosine"
typedef enum { SCHED_CONSTANT, SCHED_LINEAR, SCHED_COSINE } Schedule;
#define METRIC_VALUES "accuracy|f1|f1_macro|f1_weighted|loss"
typedef enum { METRIC_ACCURACY, METRIC_F1, METRIC_F1_MACRO, METRIC_F1_WEIGHTED, METRIC_LOSS } Metric;
#define OBJECTIVE_VALUES "classify|mlm"
typedef enum { OBJECTIVE_CLASSIFY, OBJECTIVE_MLM } Objective;

/* X(section, name, type, default, min, max, values, archs, help)
 *   type: INT, FLOAT, BOOL, ENUM, STR
 *   values: allowed values for ENUM ('|'-separated), "" otherwise
 *   min/max: inclusive range for INT and FLOAT (ignored otherwise)
 * Defaults are strings, parsed by the same code as user input. */
#define CONFIG_SCHEMA(X)                                                                                   \
    X(model, arch, ENUM, "lstm", 0, 0, ARCH_VALUES, A_ALL, "architecture of the classifier")              \
    X(model, init, STR, "", 0, 0, "", A_DISTILBERT,                                                        \
      "Hugging Face folder the model starts from: config.json, vocab.txt, model.safetensors (empty with train.objective mlm: a new encoder)")             \
    X(model, embed_dim, INT, "128", 1, 4096, "", A_ALL, "size of each word embedding")                     \
    X(model, hidden_dim, INT, "128", 1, 4096, "", A_RECURRENT, "size of the recurrent state per direction") \
    X(model, layers, INT, "1", 1, 16, "", A_RECURRENT | A_TRANSFORMER | A_DISTILBERT, "stacked recurrent or encoder layers") \
    X(model, heads, INT, "4", 1, 64, "", A_TRANSFORMER | A_DISTILBERT, "attention heads (must divide embed_dim)")          \
    X(model, ff_dim, INT, "256", 1, 16384, "", A_TRANSFORMER | A_DISTILBERT, "width of the position-wise feed-forward")   \
    X(model, activation, ENUM, "relu", 0, 0, ACTIVATION_VALUES, A_TRANSFORMER, "feed-forward non-linearity") \
    X(model, position, ENUM, "learned", 0, 0, POSITION_VALUES, A_TRANSFORMER, "position embedding kind")  \
    X(model, norm, ENUM, "post", 0, 0, NORM_VALUES, A_TRANSFORMER, "layer norm after (post) or before (pre) each sublayer") \
    X(model, dropout, FLOAT, "0.1", 0, 0.95, "", A_ALL, "dropout probability while training")             \
    X(model, embed_dropout, FLOAT, "0", 0, 0.95, "", A_ALL, "dropout on the word embeddings")             \
    X(model, bidirectional, BOOL, "false", 0, 0, "", A_RECURRENT, "also run the recurrence backwards")     \
    X(model, pooling, ENUM, "last", 0, 0, POOLING_VALUES, A_RECURRENT | A_TRANSFORMER,                    \
      "how the sequence becomes one vector: last real token, mean/max over real tokens, attention, cls")   \
    X(model, bigrams, BOOL, "true", 0, 0, "", A_BAG, "also average hashed word-bigram embeddings")        \
    X(model, bigram_buckets, INT, "200000", 1, 4000000, "", A_BAG, "hash buckets for bigram embeddings")  \
    X(model, lab_compat, BOOL, "false", 0, 0, "", A_ALL,                                                   \
      "reproduce the lab notebook: padding processed as tokens, state read after padding, no mask")        \
    X(model, pretrain, ENUM, "none", 0, 0, PRETRAIN_VALUES, A_ALL,                                         \
      "start the word embeddings from word2vec vectors learnt on the training and unlabelled reviews (mlm: on its text)")     \
    X(model, pretrain_epochs, INT, "3", 1, 100, "", A_ALL, "word2vec passes over its corpus")             \
    X(model, pretrain_window, INT, "5", 1, 20, "", A_ALL, "word2vec context: up to this many words each side") \
    X(model, pretrain_shards, INT, "1", 1, 64, "", A_ALL,                                                  \
      "word2vec shards trained side by side on the compute threads; the vectors depend on it, never on the thread count") \
    X(data, dataset, ENUM, "imdb", 0, 0, DATASET_VALUES, A_ALL,                                            \
      "imdb reviews, a generated rule-labelled task, or your own labelled csv, tsv, jsonl or folders")      \
    X(data, path, STR, "", 0, 0, "", A_ALL, "aclImdb folder or .tar.gz (empty: $IMDB_TARBALL, then data/aclImdb_v1.tar.gz)") \
    X(data, train_file, STR, "", 0, 0, "", A_ALL,                                                          \
      "own data: the labelled training file (csv, tsv, jsonl; may be compressed or in an archive), or folder of label folders") \
    X(data, val_file, STR, "", 0, 0, "", A_ALL, "own data: validation file (empty: carved from train, stratified)") \
    X(data, test_file, STR, "", 0, 0, "", A_ALL, "own data: test file (empty: no test split)")                  \
    X(data, text_column, STR, "text", 0, 0, "", A_ALL,                                                     \
      "own data: the text's header name or jsonl field, or its 1-based column number")                    \
    X(data, label_column, STR, "label", 0, 0, "", A_ALL,                                                   \
      "own data: the label's header name or jsonl field, or its 1-based column number")                   \
    X(data, header, BOOL, "true", 0, 0, "", A_ALL, "own csv/tsv with numbered columns: the first row is a header to skip") \
    X(data, member, STR, "", 0, 0, "", A_ALL, "own data in an archive: the file (or folder, for folders) to read in it") \
    X(data, max_len, INT, "200", 1, 10000, "", A_ALL, "tokens kept per review")                           \
    X(data, truncate, ENUM, "head", 0, 0, TRUNCATE_VALUES, A_ALL, "keep the head or the tail of long reviews") \
    X(data, vocab_size, INT, "10000", 3, 2000000, "", A_ALL, "vocabulary size including <PAD> and <UNK>") \
    X(data, min_freq, INT, "1", 1, 1000000, "", A_ALL, "drop words seen fewer times in train")            \
    X(data, val_fraction, FLOAT, "0.1", 0.01, 0.5, "", A_ALL, "share of train held out for validation (stratified)") \
    X(data, limit_train, INT, "0", 0, 100000000, "", A_ALL, "use at most this many training reviews (0: all)") \
    X(data, synthetic_size, INT, "4000", 10, 10000000, "", A_ALL, "reviews per labelled split of the generated task") \
    X(data, cache, BOOL, "true", 0, 0, "", A_ALL, "cache encoded splits in .cache/")                      \
    X(train, objective, ENUM, "classify", 0, 0, OBJECTIVE_VALUES, A_DISTILBERT,                             \
      "classify the labelled reviews, or mlm: pretrain a new encoder on the unlabelled reviews (masked words)") \
    X(train, mask_prob, FLOAT, "0.15", 0.01, 0.5, "", A_DISTILBERT, "mlm: share of tokens masked (80 % [MASK], 10 % random, 10 % kept)") \
    X(train, export_dir, STR, "", 0, 0, "", A_DISTILBERT,                                                   \
      "mlm: also write the pretrained encoder there as a Hugging Face folder (what model.init points at)") \
    X(train, epochs, INT, "5", 0, 100000, "", A_ALL, "passes over the training split (0: evaluate as initialised)") \
    X(train, batch_size, INT, "64", 1, 65536, "", A_ALL, "reviews per step")                              \
    X(train, optimizer, ENUM, "adam", 0, 0, OPTIMIZER_VALUES, A_ALL, "sgd (with momentum), adam, adamw")  \
    X(train, lr, FLOAT, "0.001", 0, 100, "", A_ALL, "peak learning rate")                                 \
    X(train, momentum, FLOAT, "0.9", 0, 1, "", A_ALL, "sgd momentum")                                     \
    X(train, beta1, FLOAT, "0.9", 0, 0.99999, "", A_ALL, "adam first-moment decay")                       \
    X(train, beta2, FLOAT, "0.999", 0, 0.99999999, "", A_ALL, "adam second-moment decay")                 \
    X(train, eps, FLOAT, "1e-8", 0, 1, "", A_ALL, "adam epsilon")                                         \
    X(train, weight_decay, FLOAT, "0", 0, 10, "", A_ALL, "L2 (sgd, adam) or decoupled (adamw) decay")     \
    X(train, layer_lr_decay, FLOAT, "1", 0.01, 1, "", A_DISTILBERT,                                          \
      "each encoder layer below the top learns at this share of the rate above it (1: one rate)")          \
    X(train, clip_norm, FLOAT, "0", 0, 1e9, "", A_ALL, "clip gradients to this global norm (0: off)")     \
    X(train, schedule, ENUM, "constant", 0, 0, SCHEDULE_VALUES, A_ALL, "learning rate after warm-up")     \
    X(train, warmup, FLOAT, "0", 0, 1e9, "", A_ALL, "warm-up steps (>=1) or share of all steps (<1)")     \
    X(train, patience, INT, "0", 0, 100000, "", A_ALL, "stop after this many evaluations without improvement (0: never)") \
    X(train, seed, INT, "1", 0, 2147483647, "", A_ALL, "seed for initialisation, shuffling and dropout")  \
    X(train, threads, INT, "0", 0, 256, "", A_ALL, "compute threads (0: all cores)")                      \
    X(train, name, STR, "", 0, 0, "", A_ALL, "label added to the run folder name")                        \
    X(train, runs_dir, STR, "runs", 0, 0, "", A_ALL, "where run folders are written")                     \
    X(eval, every_steps, INT, "0", 0, 100000000, "", A_ALL, "also evaluate every N steps (0: once per epoch)") \
    X(eval, metric, ENUM, "accuracy", 0, 0, METRIC_VALUES, A_ALL, "validation metric that picks the best checkpoint") \
    X(eval, batch_size, INT, "256", 1, 65536, "", A_ALL, "reviews per evaluation batch")                   \
    X(eval, explain_samples, INT, "6", 0, 64, "", A_ALL, "validation reviews explained at each evaluation") \
    X(eval, test, BOOL, "true", 0, 0, "", A_ALL, "evaluate the best checkpoint on the test split at the end") \
    X(eval, limit, INT, "0", 0, 100000000, "", A_ALL,                                                      \
      "evaluate on only the first N validation and test reviews (0: all); results are marked as limited")   \
    X(eval, attention_heads, STR, "", 0, 0, "", A_TRANSFORMER | A_DISTILBERT,                             \
      "attention heads kept in events.jsonl besides each layer's mean over heads: L.H pairs, 1-based (\"1.3, 6.12\")")

#define CFG_CTYPE_INT int
#define CFG_CTYPE_FLOAT double
#define CFG_CTYPE_BOOL int
#define CFG_CTYPE_ENUM int
#define CFG_CTYPE_STR char *

typedef struct Config {
#define CFG_FIELD(sec, name, type, def, lo, hi, vals, archs, help) CFG_CTYPE_##type sec##_##name;
    CONFIG_SCHEMA(CFG_FIELD)
#undef CFG_FIELD
} Config;

typedef enum { CFG_INT, CFG_FLOAT, CFG_BOOL, CFG_ENUM, CFG_STR } ConfigType;

typedef struct ConfigKey {
    const char *key;     /* "model.arch" */
    ConfigType type;
    const char *def;     /* default as text */
    double min, max;
    const char *values;  /* ENUM: "a|b|c" */
    unsigned archs;      /* A_* bits */
    const char *help;
    size_t offset;       /* into Config */
} ConfigKey;

extern const ConfigKey config_keys[];
extern const int config_key_count;

/* One problem found while reading a config; all are collected, none stops the rest. */
typedef struct ConfigError {
    char file[256];
    int line, col;       /* 1-based; 0 when not from a file (e.g. --set) */
    char msg[512];
} ConfigError;

typedef struct ConfigErrors {
    ConfigError *items;
    int n, cap;
} ConfigErrors;

/* Where a config comes from, in the order config_read applies it: the
 * schema defaults (with runs_dir, when given, in place of train.runs_dir's),
 * then the YAML file, then each "key=value" override in order, then the
 * cross-field checks. */
typedef struct ConfigSource {
    const char *file;           /* NULL: defaults and overrides only */
    const char *const *sets;    /* a NULL entry is a --set given without its value */
    int n_sets;
    const char *runs_dir;       /* NULL: the schema's default */
    unsigned flags;             /* CONFIG_* below */
} ConfigSource;

/* Skips the cross-field checks: for readers that take what they can from a
 * config and say themselves why they skip them. */
#define CONFIG_NO_CHECKS 1u

/* The one way a Config is made from its sources. Every problem is added to
 * errs (NULL: counted only); none stops the rest, so one pass shows them all.
 * c is always filled (defaults plus whatever read well) and must be
 * config_free'd. Returns the number of problems. */
int config_read(Config *c, const ConfigSource *src, ConfigErrors *errs);

void config_defaults(Config *c);
/* The steps config_read is made of, for tests and for reading text that is
 * not in a file. Reads a YAML file over the current contents of c (call
 * config_defaults first). Returns 0 when no error was added. */
int config_load_file(Config *c, const char *path, ConfigErrors *errs);
int config_load_string(Config *c, const char *text, const char *name, ConfigErrors *errs);
/* "model.lr=3e-4" style override. */
int config_set(Config *c, const char *assignment, ConfigErrors *errs);
/* Cross-field checks (heads divide embed_dim, ...). */
int config_validate(const Config *c, ConfigErrors *errs);
/* Resolved YAML with every key, grouped by section, with help comments. */
char *config_to_yaml(const Config *c);
int config_write_file(const Config *c, const char *path);
void config_copy(Config *dst, const Config *src);
void config_free(Config *c);
const ConfigKey *config_find_key(const char *key);
/* Nearest known key by edit distance, or NULL when nothing is close. */
const char *config_suggest_key(const char *unknown);
/* Value of one key as text ("0.001", "lstm", "true"); buf must hold 256 bytes. */
const char *config_get_text(const Config *c, const ConfigKey *k, char *buf, size_t n);
/* Sets one key from text with range and value checks; returns 0 or fills msg. */
int config_set_text(Config *c, const ConfigKey *k, const char *text, char *msg, size_t msglen);
/* Name of an enum value ("lstm" for model.arch == ARCH_LSTM). */
const char *config_enum_name(const char *values, int index, char *buf, size_t n);
unsigned config_arch_bit(int arch);
/* eval.attention_heads as 0-based (layer, head) pairs: how many (at most
 * max), or -1 with msg for text that is not "L.H" pairs (1-based, separated
 * by commas or spaces, optionally in [ ]). */
int config_attention_heads(const char *text, int *pairs, int max, char *msg, size_t msglen);
#define CONFIG_MAX_ATTENTION_HEADS 64

/* Hash of every key (FNV-1a over the resolved text), for caches. */
uint64_t config_hash_keys(const Config *c, const char *section_prefix);

void config_errors_add(ConfigErrors *e, const char *file, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
void config_errors_print(const ConfigErrors *e, void *stream /* FILE* */);
void config_errors_free(ConfigErrors *e);

#endif
