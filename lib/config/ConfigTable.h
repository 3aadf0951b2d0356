/*===- ConfigTable.h - per-target tile configuration tables -------*- C -*-===*
 *
 * Loads and queries the tile configuration tables of config/ (one
 * `<target>-MHA-DEFAULT.json` per target; the schema is documented in
 * config/README.md). The attn-tile pass picks a tile configuration for each
 * attention op from the table of its target and lets pass options override
 * single values.
 *
 * Plain C11, no dependencies (no MLIR), no global mutable state: tables are
 * immutable after parsing and may be queried from several threads.
 *
 * Error messages are written into a caller buffer (truncated to its length,
 * always NUL-terminated when errLen > 0; err may be NULL when errLen is 0).
 * Parse errors read "path:line:col: message", with 1-based lines and 1-based
 * byte columns.
 *
 *===----------------------------------------------------------------------===*/
#ifndef ATTN_CONFIG_CONFIGTABLE_H
#define ATTN_CONFIG_CONFIGTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Deepest nesting of JSON arrays/objects accepted (the top-level object is 1). */
#define ATTN_CONFIG_MAX_DEPTH 32
/* Largest value accepted for any tile configuration key (keeps products of
 * tile sizes far from overflowing in the passes). */
#define ATTN_TILE_CONFIG_MAX_VALUE 1048576
/* attnConfigTableLoad refuses files of this size or more. */
#define ATTN_CONFIG_MAX_FILE_SIZE (16u << 20)

typedef struct {
  int64_t blockM;    /* query rows per program (block_m) */
  int64_t blockN;    /* key/value rows per inner iteration (block_n) */
  int64_t numWarps;  /* GPU warps/waves per program; 1 on the CPU (num_warps) */
  int64_t numStages; /* software pipelining depth of K/V loads, >= 1 (num_stages) */
  int64_t kvSplits;  /* split-KV factor, 1 = no split; 0 = chosen at run time
                        (paged attention only) (kv_splits) */
} AttnTileConfig;

typedef enum { ATTN_DTYPE_F16, ATTN_DTYPE_BF16, ATTN_DTYPE_F32 } AttnDType;

/* The split kernel shape of attn.paged_attention (docs/paged.md). */
typedef enum { ATTN_PAGED_NONE, ATTN_PAGED_PREFILL, ATTN_PAGED_DECODE } AttnPagedMode;

typedef struct {
  AttnDType dtype;
  int64_t headDim;
  bool causal;
  bool varlen;
  AttnPagedMode paged; /* which kernel of attn.paged_attention, or none */
  /* The op changes the scores beyond the causal mask: softcap, ALiBi, a
   * sliding window or dropout (each costs registers in the backward's loops). */
  bool scoreMods;
} AttnTileQuery;

typedef struct AttnConfigTable AttnConfigTable; /* opaque */

/* Parses a table from `length` bytes of `text` (no NUL terminator needed; the
 * parser never reads text[length]). `path` only names the input in messages
 * (NULL reads "<input>"). On error returns NULL and writes
 * "path:line:col: message" into err. */
AttnConfigTable *attnConfigTableParse(const char *text, size_t length, const char *path, char *err,
                                      size_t errLen);

/* Reads and parses a file. Errors that have no position read "path: message". */
AttnConfigTable *attnConfigTableLoad(const char *path, char *err, size_t errLen);

/* Frees a table; NULL is a no-op. */
void attnConfigTableDestroy(AttnConfigTable *t);

/* The table's "target" string (owned by the table). */
const char *attnConfigTableTarget(const AttnConfigTable *t);

/* The path given to Parse/Load ("<input>" when none), owned by the table. */
const char *attnConfigTablePath(const AttnConfigTable *t);

/* Number of entries, in file order. */
size_t attnConfigTableNumEntries(const AttnConfigTable *t);

/* Index of the match-all default entry. */
size_t attnConfigTableDefaultIndex(const AttnConfigTable *t);

/* 1-based line and column of entry `index` in its file (for remarks such as
 * "tile config from gfx942-MHA-DEFAULT.json:12"). Returns false when index is
 * out of range. */
bool attnConfigTableEntryLocation(const AttnConfigTable *t, size_t index, size_t *line,
                                  size_t *col);

/* Fills *out from the most specific matching entry (the one naming the most
 * match keys; ties go to the earlier entry in the file) merged over the
 * default entry: keys the entry's "config" omits come from the default entry
 * (not from less specific matching entries). Returns the index of the entry
 * used, or -1 when t, q or out is NULL. */
int attnConfigTableLookup(const AttnConfigTable *t, const AttnTileQuery *q, AttnTileConfig *out);

/* Applies overrides given as text "block_m=64,block_n=32" (pass-option style:
 * comma-separated key=value, spaces around items allowed, '-' may stand for
 * '_' in keys, each key at most once; empty or NULL text changes nothing).
 * Values are decimal integers in [1, ATTN_TILE_CONFIG_MAX_VALUE]. Returns 0 on
 * success (err set to ""); on error returns -1, leaves *cfg unchanged and
 * writes a message naming the bad key or value into err. */
int attnTileConfigOverride(AttnTileConfig *cfg, const char *text, char *err, size_t errLen);

/* Writes "block_m=128,block_n=64,num_warps=4,num_stages=1,kv_splits=1" (the
 * override syntax) into buf; returns what snprintf returns. */
int attnTileConfigFormat(const AttnTileConfig *cfg, char *buf, size_t len);

/* "f16", "bf16", "f32"; NULL for values outside the enum. */
const char *attnDTypeName(AttnDType dtype);

#ifdef __cplusplus
}
#endif

#endif /* ATTN_CONFIG_CONFIGTABLE_H */
