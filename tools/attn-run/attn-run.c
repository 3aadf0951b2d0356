/*===- attn-run.c - execute attention functions and check them ------------===*
 *
 * attn-run FILE --target=cpu: compiles every public function of FILE for the
 * host, feeds it inputs (random from a seed, or .npy files), runs it, and
 * compares each result with an independent double-precision implementation
 * of the attn ops (support/reference.c). One line per result, exit 1 on any
 * FAIL. See --help and README.md.
 *
 *===----------------------------------------------------------------------===*/

#define _POSIX_C_SOURCE 200809L /* clock_gettime, getpid */

#include "BlockMask.h"
#include "Diagnostics.h"
#include "Input.h"
#include "Paged.h"
#include "Signature.h"
#include "Tensor.h"

#include "half.h"
#include "npy.h"
#include "reference.h"

#include "attnc/attnc.h"
#include "attnrt/CpuLaunch.h"
#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/ExecutionEngine.h"
#include "mlir-c/IR.h"
#include "mlir-c/Pass.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { MAX_FLAGS = 32, MAX_THREADS = 4096 };

typedef struct {
  int arg;
  const char *path;
} InputFlag;

typedef struct {
  int arg, rank;
  int64_t dims[ATTN_RUN_MAX_RANK];
} ShapeFlag;

typedef struct {
  const char *file, *target, *saveDir, *func;
  bool reference, noCheck;
  const char *pipeline; /* --pipeline=, or null for the default */
  uint64_t seed;
  bool seedGiven;
  int bench;
  int threads; /* 0: one per online core */
  int64_t dynamicSize;
  /* --atol= / --rtol=: the comparison's tolerances for every result (< 0: the
   * element type's default) */
  double atol, rtol;
  InputFlag inputs[MAX_FLAGS];
  int numInputs;
  ShapeFlag shapes[MAX_FLAGS];
  int numShapes;
} RunOptions;

static void usage(FILE *out) {
  fputs("usage: attn-run FILE --target=cpu [options]\n"
        "\n"
        "Compiles each public function of FILE, runs it on generated or given inputs and\n"
        "compares every result with an independent double-precision implementation.\n"
        "\n"
        "  --target=cpu           where to run (the host CPU; the only executable target here)\n"
        "  --reference            use the reference lowering (attn-to-cpu-reference)\n"
        "  --pipeline=P           lower with pipeline P instead (e.g. 'attn-to-cpu{isa=generic}')\n"
        "  --seed=N               seed of the input generator (default: fresh, printed)\n"
        "  --input=N=PATH.npy     argument N (zero-based) from a .npy file: f32 and bf16 as\n"
        "                         float32 (bf16 rounded to nearest even), f16 as float16,\n"
        "                         i32 as int32, fp8 (f8E4M3FN, f8E4M3FNUZ) as uint8 bit patterns,\n"
        "                         i8 (SAGE's q and k) as int8\n"
        "  --shape=N=AxBxC        sizes of argument N (must agree with its static dims)\n"
        "  --dynamic-size=S       size of every dynamic dim not fixed otherwise (default 37)\n"
        "  --func=NAME            only run @NAME\n"
        "  --save=DIR             write DIR/<func>.arg<N>.npy and DIR/<func>.result<N>.npy\n"
        "  --bench=N              also print the median time of N runs\n"
        "  --no-check             skip the reference comparison (benchmarks of large shapes)\n"
        "  --atol=X, --rtol=Y     tolerances of the comparison for every result instead of\n"
        "                         the element type's (below); e.g. quantized kernel IR\n"
        "  --threads=N            run kernel grids on N threads (default: $ATTN_NUM_THREADS if\n"
        "                         set, else one per online core)\n"
        "\n"
        "Generated inputs: normal(0,1) for q/k/v; cu_seqlens with random lengths covering\n"
        "all tokens and at least one empty sequence when B > 1; ALiBi slopes\n"
        "2^(-8(h+1)/Hq). Dynamic dims tied by an op (B of q/k/v, Sk of k/v, ...) share a size.\n"
        "attn.paged_attention: valid random seq_lens (0, 1 and MaxBlocks*BS among them, fit\n"
        "in NB blocks), decode and prefill query lengths (some tokens may be left past the\n"
        "last sequence), shuffled block tables with a shared prefix block and garbage past\n"
        "the used entries, NaN in every cache slot no sequence reads; printed per op.\n"
        "attn.mla: the same layouts over its latent cache (reference: K the whole row, V\n"
        "its first kv_lora_rank values).\n"
        "fp8 (docs/fp8.md): normal(0,1) rounded to the format (no NaN), scales uniform in\n"
        "[0.5, 2); the reference runs on the exactly decoded values times their scales.\n"
        "SAGE (docs/fp8.md): i8 q and k normal(0,48) rounded (within +-127), their descales\n"
        "uniform in [0.5, 2)/64, v fp8 as above, k_mean normal(0,1); the reference runs on\n"
        "q and k times their block's descale (k plus k_mean), v times its channel's.\n"
        "Tolerance |got-want| <= atol + rtol*|want|: f32 1e-4/1e-4, f16 and bf16 1e-2/1e-2;\n"
        "for gradients (backward ops) atol is scaled by max(1, max|want|) of the result.\n",
        out);
}

static bool parseInt(const char *s, int64_t *out) {
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (errno || end == s || *end)
    return false;
  *out = v;
  return true;
}

/* A tolerance: a finite number >= 0. */
static bool parseTolerance(const char *s, double *out) {
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (errno || end == s || *end || !isfinite(v) || v < 0)
    return false;
  *out = v;
  return true;
}

/* "N=REST" -> N and REST. */
static bool splitIndexed(const char *s, int *index, const char **rest) {
  const char *eq = strchr(s, '=');
  if (!eq)
    return false;
  char num[16];
  size_t n = (size_t)(eq - s);
  if (n == 0 || n >= sizeof(num))
    return false;
  memcpy(num, s, n);
  num[n] = '\0';
  int64_t v;
  if (!parseInt(num, &v) || v < 0 || v >= ATTN_RUN_MAX_ARGS)
    return false;
  *index = (int)v;
  *rest = eq + 1;
  return true;
}

static bool parseThreads(const char *s, int *out) {
  int64_t v;
  if (!parseInt(s, &v) || v < 1 || v > MAX_THREADS)
    return false;
  *out = (int)v;
  return true;
}

static bool parseShape(const char *s, ShapeFlag *shape) {
  shape->rank = 0;
  while (*s) {
    if (shape->rank == ATTN_RUN_MAX_RANK)
      return false;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || v < 0)
      return false;
    shape->dims[shape->rank++] = v;
    /* An 'x' separates two sizes: one at the end ("1x2x") is an error. */
    if (*end == 'x' && end[1] != '\0')
      ++end;
    else if (*end)
      return false;
    s = end;
  }
  return shape->rank > 0;
}

static int parseArgs(int argc, char **argv, RunOptions *o) {
  o->dynamicSize = 37;
  o->atol = o->rtol = -1.0;
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i];
    int64_t v;
    if (a[0] != '-') {
      if (o->file) {
        fprintf(stderr, "attn-run: error: more than one input file ('%s', '%s')\n", o->file, a);
        return 1;
      }
      o->file = a;
    } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      usage(stdout);
      return 2;
    } else if (!strncmp(a, "--target=", 9)) {
      o->target = a + 9;
    } else if (!strcmp(a, "--reference")) {
      o->reference = true;
    } else if (!strncmp(a, "--pipeline=", 11) && a[11]) {
      o->pipeline = a + 11;
    } else if (!strcmp(a, "--no-check")) {
      o->noCheck = true;
    } else if (!strncmp(a, "--atol=", 7) || !strncmp(a, "--rtol=", 7)) {
      if (!parseTolerance(a + 7, a[2] == 'a' ? &o->atol : &o->rtol)) {
        fprintf(stderr, "attn-run: error: %.6s needs a finite number >= 0, got '%s'\n", a, a + 7);
        return 1;
      }
    } else if (!strncmp(a, "--seed=", 7)) {
      if (!parseInt(a + 7, &v) || v < 0) {
        fprintf(stderr, "attn-run: error: bad seed '%s'\n", a + 7);
        return 1;
      }
      o->seed = (uint64_t)v;
      o->seedGiven = true;
    } else if (!strncmp(a, "--bench=", 8)) {
      if (!parseInt(a + 8, &v) || v < 1 || v > 1000000) {
        fprintf(stderr, "attn-run: error: --bench needs a count in [1, 1000000], got '%s'\n",
                a + 8);
        return 1;
      }
      o->bench = (int)v;
    } else if (!strncmp(a, "--threads=", 10)) {
      if (!parseThreads(a + 10, &o->threads)) {
        fprintf(stderr, "attn-run: error: --threads needs a count in [1, %d], got '%s'\n",
                MAX_THREADS, a + 10);
        return 1;
      }
    } else if (!strncmp(a, "--dynamic-size=", 15)) {
      if (!parseInt(a + 15, &v) || v < 0 || v > (1 << 24)) {
        fprintf(stderr, "attn-run: error: bad --dynamic-size '%s'\n", a + 15);
        return 1;
      }
      o->dynamicSize = v;
    } else if (!strncmp(a, "--save=", 7)) {
      o->saveDir = a + 7;
    } else if (!strncmp(a, "--func=", 7)) {
      o->func = a + 7;
    } else if ((!strncmp(a, "--input=", 8) && o->numInputs == MAX_FLAGS) ||
               (!strncmp(a, "--shape=", 8) && o->numShapes == MAX_FLAGS)) {
      fprintf(stderr, "attn-run: error: too many --input/--shape flags (at most %d each)\n",
              MAX_FLAGS);
      return 1;
    } else if (!strncmp(a, "--input=", 8)) {
      InputFlag *in = &o->inputs[o->numInputs++];
      if (!splitIndexed(a + 8, &in->arg, &in->path) || !*in->path) {
        fprintf(stderr, "attn-run: error: --input expects N=PATH.npy, got '%s'\n", a + 8);
        return 1;
      }
    } else if (!strncmp(a, "--shape=", 8)) {
      ShapeFlag *sh = &o->shapes[o->numShapes++];
      const char *rest;
      if (!splitIndexed(a + 8, &sh->arg, &rest) || !parseShape(rest, sh)) {
        fprintf(stderr, "attn-run: error: --shape expects N=AxBxC, got '%s'\n", a + 8);
        return 1;
      }
    } else {
      fprintf(stderr, "attn-run: error: unknown option '%s' (see --help)\n", a);
      return 1;
    }
  }
  if (!o->file) {
    fputs("attn-run: error: no input file (see --help)\n", stderr);
    return 1;
  }
  if (!o->target || strcmp(o->target, "cpu") != 0) {
    fprintf(stderr,
            "attn-run: error: --target=%s cannot execute here; attn-run executes --target=cpu\n",
            o->target ? o->target : "(missing)");
    return 1;
  }
  /* --threads wins over the environment. */
  const char *env = getenv("ATTN_NUM_THREADS");
  if (!o->threads && env && *env && !parseThreads(env, &o->threads)) {
    fprintf(stderr, "attn-run: error: ATTN_NUM_THREADS needs a count in [1, %d], got '%s'\n",
            MAX_THREADS, env);
    return 1;
  }
  return 0;
}

/*===--- Inputs ------------------------------------------------------------===*/

/* Reads --input=N for argument `a` into t (shape from the file). */
static bool loadInput(const AttnFuncInfo *info, int a, const char *path, AttnTensor *t) {
  AttnNpyArray arr;
  char err[256];
  if (attnNpyRead(path, &arr, err, sizeof(err)) != 0) {
    fprintf(stderr, "attn-run: error: --input=%d=%s: %s\n", a, path, err);
    return false;
  }
  AttnElem elem = info->args[a].elem;
  AttnNpyDType want = elem == ATTN_ELEM_F16   ? ATTN_NPY_F16
                      : elem == ATTN_ELEM_I32 ? ATTN_NPY_I32
                      : elem == ATTN_ELEM_I64 ? ATTN_NPY_I64
                      : elem == ATTN_ELEM_I8  ? ATTN_NPY_I8
                      : attnElemIsFp8(elem)   ? ATTN_NPY_U8
                                              : ATTN_NPY_F32;
  static const char *const npyNames[] = {
      "float16", "float32", "float64", "int32", "int64", "uint8 (fp8 bit patterns)", "int8"};
  bool ok = false;
  if (arr.dtype != want) {
    fprintf(
        stderr,
        "attn-run: error: --input=%d=%s: argument %d is %s and needs %s data, the file holds %s\n",
        a, path, a, attnElemName(elem), npyNames[want], npyNames[arr.dtype]);
  } else if (arr.rank != info->args[a].rank) {
    fprintf(stderr,
            "attn-run: error: --input=%d=%s: argument %d has rank %d, the file has rank %d\n", a,
            path, a, info->args[a].rank, arr.rank);
  } else if (!attnTensorAlloc(t, elem, arr.rank, arr.shape)) {
    fprintf(stderr, "attn-run: error: --input=%d=%s: out of memory\n", a, path);
  } else {
    /* Widened one by one: a conditional expression would take its common
     * type, float, and round int32 values past 2^24 (block ids, INT32_MAX). */
    for (size_t i = 0; i < t->count; ++i) {
      if (want == ATTN_NPY_F16)
        t->values[i] = attnF16ToF32(((uint16_t *)arr.data)[i]);
      else if (want == ATTN_NPY_I32)
        t->values[i] = ((int32_t *)arr.data)[i];
      else if (want == ATTN_NPY_U8) /* the bits as given, NaN patterns included */
        ((uint8_t *)t->data)[i] = ((uint8_t *)arr.data)[i];
      else if (want == ATTN_NPY_I64) /* exactly, in data (doubles hold 53 bits) */
        t->values[i] = (double)(((int64_t *)t->data)[i] = ((int64_t *)arr.data)[i]);
      else
        t->values[i] = ((float *)arr.data)[i];
    }
    if (want == ATTN_NPY_U8)
      for (size_t i = 0; i < t->count; ++i)
        t->values[i] = attnElemLoad(elem, t->data, i);
    else if (want != ATTN_NPY_I64)
      attnTensorStoreValues(t);
    ok = true;
  }
  attnNpyArrayDestroy(&arr);
  return ok;
}

/* Lengths of B sequences summing to `total`. Sequence `empty` (the same for
 * the q and k offsets of one op, so the other sequences have both queries and
 * keys) gets no token; every other sequence gets one if there are enough, and
 * the rest are spread at random. */
static bool randomOffsets(uint64_t *rng, int64_t numSeq, int64_t total, int64_t empty, double *cu) {
  int64_t *len = calloc((size_t)numSeq + 1, sizeof(int64_t));
  if (!len)
    return false;
  int64_t nonEmpty = numSeq - (empty >= 0 ? 1 : 0), left = total;
  bool oneEach = nonEmpty > 0 && total >= nonEmpty; /* decided once, before tokens are spent */
  for (int64_t s = 0; s < numSeq && oneEach; ++s)
    if (s != empty) {
      ++len[s];
      --left;
    }
  while (left > 0 && nonEmpty > 0) {
    int64_t s = attnRandRange(rng, 0, numSeq - 1);
    if (s != empty) {
      ++len[s];
      --left;
    }
  }
  cu[0] = 0;
  for (int64_t s = 0; s < numSeq; ++s)
    cu[s + 1] = cu[s] + (double)len[s];
  free(len);
  return true;
}

/* The packed token count a cu_seqlens argument indexes, and its op. */
static int64_t tokensFor(const AttnFuncInfo *info, int a, int64_t dims[][ATTN_RUN_MAX_RANK],
                         int *op) {
  for (int o = 0; o < info->numOps; ++o) {
    const AttnOpInfo *x = &info->ops[o];
    *op = o;
    if (x->arg[ATTN_CU_Q] == a)
      return dims[x->arg[ATTN_Q]][0];
    if (x->arg[ATTN_CU_K] == a)
      return dims[x->arg[ATTN_K]][0];
  }
  return 0;
}

/* Integer operands that index the other tensors. */
static bool isLayoutRole(AttnRole r) {
  return r == ATTN_ROLE_CU_Q || r == ATTN_ROLE_CU_K || r == ATTN_ROLE_BLOCK_TABLES ||
         r == ATTN_ROLE_SEQ_LENS || r == ATTN_ROLE_QUERY_START;
}

/* Sinks of the size of the logits (normal(0, 2)), plus the edges when
 * there are heads to spare: head 0 has none (-inf), head 1 one that
 * outweighs most rows' keys (+6). */
static void randomSinks(uint64_t *rng, double *values, size_t count) {
  attnRandNormal(rng, values, count);
  for (size_t h = 0; h < count; ++h)
    values[h] *= 2.0;
  if (count > 2) {
    values[0] = -INFINITY;
    values[1] = 6.0;
  }
}

/* A backward op's out and lse (unless given by --input): the double
 * reference forward of its q, k, v (and alibi, cu_seqlens), rounded to the
 * arguments' types, so the op differentiates the attention its inputs came
 * from and the check is against the true gradient. */
/* An op's reference parameters, with dropout's seed and offset read from
 * its rng_state argument when it has one (exactly: from the int64 data). */
static AttnRefParams opParams(const AttnOpInfo *op, const AttnTensor *args) {
  AttnRefParams p = op->params;
  int rs = op->arg[ATTN_RNG_STATE];
  if (rs >= 0 && args[rs].count == 2) {
    p.seed = ((const int64_t *)args[rs].data)[0];
    p.offset = ((const int64_t *)args[rs].data)[1];
  }
  return p;
}

/* dropout's [seed, offset]: a seed of all 64 bits and an offset in
 * [0, 2^40), so both key words and the counter's offset word all matter. */
static void randomRngState(uint64_t *rng, AttnTensor *t) {
  int64_t *d = t->data;
  if (t->count != 2)
    return;
  d[0] = (int64_t)attnRandNext(rng);
  d[1] = (int64_t)(attnRandNext(rng) >> 24);
  for (size_t i = 0; i < 2; ++i)
    t->values[i] = (double)d[i];
}

static bool forwardOutputs(const AttnFuncInfo *info, int opIndex, const bool *have,
                           AttnTensor *args) {
  const AttnOpInfo *op = &info->ops[opIndex];
  int outArg = op->arg[ATTN_OUT], lseArg = op->arg[ATTN_LSE];
  if (have[outArg] && have[lseArg])
    return true;
  const AttnTensor *q = &args[op->arg[ATTN_Q]], *k = &args[op->arg[ATTN_K]];
  AttnRefParams p = opParams(op, args);
  const double *alibi = op->arg[ATTN_ALIBI] >= 0 ? args[op->arg[ATTN_ALIBI]].values : NULL;
  double *out = malloc(args[outArg].count * sizeof(double) + 1);
  double *lse = malloc(args[lseArg].count * sizeof(double) + 1);
  char err[512] = "out of memory";
  bool ok = out && lse && attnRefCheckParams(&p, err, sizeof(err)) == 0;
  if (ok && op->kind == ATTN_OP_MHA_BWD) {
    p.B = q->dims[0];
    p.Sq = q->dims[2];
    p.Sk = k->dims[2];
    attnRefMha(&p, q->values, k->values, args[op->arg[ATTN_V]].values, alibi, out, lse);
  } else if (ok) {
    p.B = args[op->arg[ATTN_CU_Q]].dims[0] - 1;
    p.Sq = q->dims[0];
    p.Sk = k->dims[0];
    ok = attnRefMhaVarlen(&p, q->values, k->values, args[op->arg[ATTN_V]].values,
                          args[op->arg[ATTN_CU_Q]].data, args[op->arg[ATTN_CU_K]].data, alibi, out,
                          lse, err, sizeof(err)) == 0;
  }
  if (ok) {
    if (!have[outArg]) {
      memcpy(args[outArg].values, out, args[outArg].count * sizeof(double));
      attnTensorStoreValues(&args[outArg]);
    }
    if (!have[lseArg]) {
      memcpy(args[lseArg].values, lse, args[lseArg].count * sizeof(double));
      attnTensorStoreValues(&args[lseArg]);
    }
  } else {
    fprintf(stderr, "attn-run: error: @%s: the forward of op %d: %s\n", info->name, opIndex, err);
  }
  free(out);
  free(lse);
  return ok;
}

/* Paged ops first (their layout decides which cache slots are poisoned),
 * then every argument still without values by its role. `have` marks the
 * arguments from --input on entry. */
static bool fillInputs(const AttnFuncInfo *info, uint64_t *rng, const int64_t *emptySeq,
                       int64_t dims[][ATTN_RUN_MAX_RANK], bool *have, AttnTensor *args) {
  bool poison[ATTN_RUN_MAX_ARGS] = {false};
  for (int a = 0; a < info->numArgs; ++a)
    poison[a] = info->roles[a] == ATTN_ROLE_KV_CACHE && !have[a];
  for (int op = 0; op < info->numOps; ++op)
    if (attnIsPagedKind(info->ops[op].kind) &&
        !attnPagedMakeLayout(info, op, args, have, rng, stderr))
      return false;
  for (int a = 0; a < info->numArgs; ++a) {
    if (have[a])
      continue;
    switch (info->roles[a]) {
    case ATTN_ROLE_CU_Q:
    case ATTN_ROLE_CU_K: {
      int op = 0;
      int64_t tokens = tokensFor(info, a, dims, &op);
      int64_t numSeq = args[a].count > 0 ? (int64_t)args[a].count - 1 : 0;
      if (args[a].count == 0 || !randomOffsets(rng, numSeq, tokens, emptySeq[op], args[a].values)) {
        fprintf(stderr, "attn-run: error: @%s argument %d: cannot make cu_seqlens of %zu entries\n",
                info->name, a, args[a].count);
        return false;
      }
      break;
    }
    case ATTN_ROLE_ALIBI:
      for (size_t h = 0; h < args[a].count; ++h)
        args[a].values[h] = exp2(-8.0 * (double)(h + 1) / (double)args[a].count);
      break;
    case ATTN_ROLE_SINKS:
      randomSinks(rng, args[a].values, args[a].count);
      break;
    case ATTN_ROLE_FWD_OUT:
    case ATTN_ROLE_FWD_LSE:
      continue; /* from q, k, v below, once they exist */
    case ATTN_ROLE_BLOCK_MASK:
      continue;               /* from the op's shapes below (BlockMask.h) */
    case ATTN_ROLE_FP8_SCALE: /* positive, away from 1, so a lost scale shows */
    case ATTN_ROLE_SAGE_SCALE:
      for (size_t i = 0; i < args[a].count; ++i) {
        args[a].values[i] = 0.5 + 1.5 * (double)(attnRandNext(rng) >> 11) * 0x1p-53;
        if (info->roles[a] == ATTN_ROLE_SAGE_SCALE) /* i8 q, k of about normal(0, 48) */
          args[a].values[i] /= 64.0;
      }
      break;
    case ATTN_ROLE_RNG_STATE: /* a full 64-bit seed, an offset past 2^32: every key word */
      randomRngState(rng, &args[a]);
      continue;
    default:
      attnRandNormal(rng, args[a].values, args[a].count);
      if (args[a].elem == ATTN_ELEM_I8) /* SAGE: normal(0, 48), saturating at +-127 */
        for (size_t i = 0; i < args[a].count; ++i)
          args[a].values[i] *= 48.0;
    }
    attnTensorStoreValues(&args[a]);
  }
  for (int op = 0; op < info->numOps; ++op)
    if (info->ops[op].arg[ATTN_KV_NUM] >= 0 &&
        !attnBlockMaskMake(info, op, args, have, rng, stderr))
      return false;
  for (int op = 0; op < info->numOps; ++op)
    if (attnIsBwdKind(info->ops[op].kind) && !forwardOutputs(info, op, have, args))
      return false;
  attnPagedPoisonCaches(info, args, poison);
  for (int op = 0; op < info->numOps; ++op)
    if (attnIsPagedKind(info->ops[op].kind))
      attnPagedPrintLayout(info, op, args, stdout);
  return true;
}

static bool makeInputs(const RunOptions *o, const AttnFuncInfo *info, uint64_t *rng,
                       AttnTensor *args) {
  int64_t fixed[ATTN_RUN_MAX_ARGS][ATTN_RUN_MAX_RANK], dims[ATTN_RUN_MAX_ARGS][ATTN_RUN_MAX_RANK];
  bool loaded[ATTN_RUN_MAX_ARGS] = {false};
  for (int a = 0; a < ATTN_RUN_MAX_ARGS; ++a)
    for (int d = 0; d < ATTN_RUN_MAX_RANK; ++d)
      fixed[a][d] = -1;
  for (int i = 0; i < o->numInputs; ++i) {
    int a = o->inputs[i].arg;
    if (a >= info->numArgs) {
      fprintf(stderr, "attn-run: error: --input=%d: @%s has only %d arguments\n", a, info->name,
              info->numArgs);
      return false;
    }
    if (loaded[a])
      attnTensorDestroy(&args[a]);
    if (o->noCheck && isLayoutRole(info->roles[a])) {
      /* The reference is what validates offsets before compiled code uses them. */
      fprintf(stderr,
              "attn-run: error: --input=%d: %s from a file need the reference check; drop "
              "--no-check\n",
              a,
              info->roles[a] == ATTN_ROLE_CU_Q || info->roles[a] == ATTN_ROLE_CU_K
                  ? "cu_seqlens"
                  : "block_tables, seq_lens and query_start_loc");
      return false;
    }
    if (!loadInput(info, a, o->inputs[i].path, &args[a]))
      return false;
    loaded[a] = true;
    for (int d = 0; d < args[a].rank; ++d)
      fixed[a][d] = args[a].dims[d];
  }
  for (int i = 0; i < o->numShapes; ++i) {
    const ShapeFlag *s = &o->shapes[i];
    if (s->arg >= info->numArgs || s->rank != info->args[s->arg].rank) {
      fprintf(stderr, "attn-run: error: --shape=%d: @%s has no argument %d of rank %d\n", s->arg,
              info->name, s->arg, s->rank);
      return false;
    }
    for (int d = 0; d < s->rank; ++d) {
      if (fixed[s->arg][d] >= 0 && fixed[s->arg][d] != s->dims[d]) {
        fprintf(stderr, "attn-run: error: --shape=%d disagrees with the --input file\n", s->arg);
        return false;
      }
      fixed[s->arg][d] = s->dims[d];
    }
  }
  if (!attnResolveShapes(info, fixed, o->dynamicSize, dims, stderr))
    return false;
  int64_t emptySeq[ATTN_RUN_MAX_OPS];
  for (int op = 0; op < info->numOps; ++op) {
    int cu = info->ops[op].arg[ATTN_CU_Q];
    int64_t numSeq = cu >= 0 && dims[cu][0] > 0 ? dims[cu][0] - 1 : 0;
    emptySeq[op] = numSeq > 1 ? attnRandRange(rng, 0, numSeq - 1) : -1;
  }
  for (int a = 0; a < info->numArgs; ++a) {
    const AttnTensorType *t = &info->args[a];
    if (!loaded[a] && !attnTensorAlloc(&args[a], t->elem, t->rank, dims[a])) {
      fprintf(stderr, "attn-run: error: argument %d of @%s: too large\n", a, info->name);
      return false;
    }
  }
  return fillInputs(info, rng, emptySeq, dims, loaded, args);
}

/*===--- Reference ---------------------------------------------------------===*/

typedef struct {
  double *out, *lse;
  int64_t outDims[4], lseDims[4];
  int outRank, lseRank;
  double *grad[3]; /* backward ops: dq, dk, dv */
  int64_t gradDims[3][4];
  int gradRank;
} RefResult;

/* Sizes of the op's reference call and the shapes of its results. */
static void referenceShapes(const AttnOpInfo *op, const AttnTensor *args, AttnRefParams *p,
                            RefResult *r) {
  const AttnTensor *q = &args[op->arg[ATTN_Q]], *k = &args[op->arg[ATTN_K]];
  if (op->kind == ATTN_OP_MHA) {
    p->B = q->dims[0];
    p->Sq = q->dims[2];
    p->Sk = k->dims[2];
    int64_t od[4] = {p->B, p->Hq, p->Sq, p->Dv}, ld[3] = {p->B, p->Hq, p->Sq};
    memcpy(r->outDims, od, sizeof(od));
    memcpy(r->lseDims, ld, sizeof(ld));
    r->outRank = 4;
    r->lseRank = 3;
    return;
  }
  if (op->kind == ATTN_OP_VARLEN) {
    p->B = args[op->arg[ATTN_CU_Q]].dims[0] - 1;
    p->Sk = k->dims[0];
  } else {
    p->B = args[op->arg[ATTN_SEQ_LENS]].dims[0];
    p->Sk = k->dims[1] * args[op->arg[ATTN_BLOCK_TABLES]].dims[1]; /* keys per sequence, at most */
  }
  p->Sq = q->dims[0];
  int64_t od[3] = {p->Sq, p->Hq, p->Dv}, ld[2] = {p->Hq, p->Sq};
  memcpy(r->outDims, od, sizeof(od));
  memcpy(r->lseDims, ld, sizeof(ld));
  r->outRank = 3;
  r->lseRank = 2;
}

/* Varlen and paged: the integer operands are validated (as int32, what the
 * compiled code reads) before the compiled code may index with them. */
static int referenceRagged(const AttnOpInfo *op, const AttnRefParams *p, const AttnTensor *args,
                           const double *alibi, RefResult *r, char *err, size_t errLen) {
  const double *q = args[op->arg[ATTN_Q]].values, *k = args[op->arg[ATTN_K]].values;
  const double *v = op->arg[ATTN_V] >= 0 ? args[op->arg[ATTN_V]].values : NULL;
  if (op->kind == ATTN_OP_VARLEN)
    return attnRefMhaVarlen(p, q, k, v, args[op->arg[ATTN_CU_Q]].data,
                            args[op->arg[ATTN_CU_K]].data, alibi, r->out, r->lse, err, errLen);
  const AttnTensor *kc = &args[op->arg[ATTN_K]], *table = &args[op->arg[ATTN_BLOCK_TABLES]];
  AttnRefPaging g = {kc->dims[0], kc->dims[1], table->dims[1]};
  if (op->kind == ATTN_OP_MLA)
    return attnRefMla(p, &g, q, k, table->data, args[op->arg[ATTN_SEQ_LENS]].data,
                      args[op->arg[ATTN_QUERY_START]].data, r->out, r->lse, err, errLen);
  return attnRefPaged(p, &g, q, k, v, table->data, args[op->arg[ATTN_SEQ_LENS]].data,
                      args[op->arg[ATTN_QUERY_START]].data, alibi, r->out, r->lse, err, errLen);
}

/* dq, dk, dv of a backward op in the shapes of q, k and v. */
static bool referenceBwd(const AttnFuncInfo *info, const AttnOpInfo *op, const AttnTensor *args,
                         RefResult *r) {
  AttnRefParams p = opParams(op, args);
  const AttnTensor *src[3] = {&args[op->arg[ATTN_Q]], &args[op->arg[ATTN_K]],
                              &args[op->arg[ATTN_V]]};
  bool ok = true;
  for (int i = 0; i < 3; ++i) {
    r->gradRank = src[i]->rank;
    memcpy(r->gradDims[i], src[i]->dims, sizeof(r->gradDims[i]));
    ok &= (r->grad[i] = malloc(src[i]->count * sizeof(double) + 1)) != NULL;
  }
  const double *alibi = op->arg[ATTN_ALIBI] >= 0 ? args[op->arg[ATTN_ALIBI]].values : NULL;
  const double *dout = args[op->arg[ATTN_DOUT]].values;
  char err[512] = "out of memory";
  if (ok && op->kind == ATTN_OP_MHA_BWD) {
    p.B = src[0]->dims[0];
    p.Sq = src[0]->dims[2];
    p.Sk = src[1]->dims[2];
    ok = attnRefMhaBwd(&p, src[0]->values, src[1]->values, src[2]->values, dout, alibi, r->grad[0],
                       r->grad[1], r->grad[2], err, sizeof(err)) == 0;
  } else if (ok) {
    p.B = args[op->arg[ATTN_CU_Q]].dims[0] - 1;
    p.Sq = src[0]->dims[0];
    p.Sk = src[1]->dims[0];
    ok = attnRefMhaVarlenBwd(&p, src[0]->values, src[1]->values, src[2]->values, dout,
                             args[op->arg[ATTN_CU_Q]].data, args[op->arg[ATTN_CU_K]].data, alibi,
                             r->grad[0], r->grad[1], r->grad[2], err, sizeof(err)) == 0;
  }
  if (!ok)
    fprintf(stderr, "attn-run: error: @%s: %s\n", info->name, err);
  return ok;
}

/* The double reference of one forward or backward op. */
static bool runReferenceOp(const AttnFuncInfo *info, const AttnOpInfo *op, const AttnTensor *args,
                           RefResult *ref) {
  if (attnIsBwdKind(op->kind))
    return referenceBwd(info, op, args, ref);
  AttnRefParams p = opParams(op, args);
  const double *alibi = op->arg[ATTN_ALIBI] >= 0 ? args[op->arg[ATTN_ALIBI]].values : NULL;
  p.sinks = op->arg[ATTN_SINKS] >= 0 ? args[op->arg[ATTN_SINKS]].values : NULL;
  AttnBlockMaskRef mask = {op, NULL, NULL, NULL, NULL};
  if (op->arg[ATTN_KV_NUM] >= 0) {
    mask.num = &args[op->arg[ATTN_KV_NUM]];
    mask.idx = &args[op->arg[ATTN_KV_IDX]];
    if (op->arg[ATTN_FULL_NUM] >= 0) {
      mask.fullNum = &args[op->arg[ATTN_FULL_NUM]];
      mask.fullIdx = &args[op->arg[ATTN_FULL_IDX]];
    }
    p.keyMask = attnBlockMaskVisible;
    p.keyMaskCtx = &mask;
  }
  RefResult *r = ref;
  referenceShapes(op, args, &p, r);
  size_t rows = (size_t)(op->kind != ATTN_OP_MHA ? p.Sq : p.B * p.Sq) * (size_t)p.Hq;
  r->out = malloc(rows * (size_t)p.Dv * sizeof(double) + 1);
  r->lse = malloc(rows * sizeof(double) + 1);
  char err[512];
  if (!r->out || !r->lse || attnRefCheckParams(&p, err, sizeof(err)) != 0) {
    fprintf(stderr, "attn-run: error: @%s: %s\n", info->name,
            r->out && r->lse ? err : "out of memory");
    return false;
  }
  if (op->kind == ATTN_OP_MHA) {
    attnRefMha(&p, args[op->arg[ATTN_Q]].values, args[op->arg[ATTN_K]].values,
               args[op->arg[ATTN_V]].values, alibi, r->out, r->lse);
  } else if (referenceRagged(op, &p, args, alibi, r, err, sizeof(err)) != 0) {
    fprintf(stderr, "attn-run: error: @%s: invalid inputs: %s\n", info->name, err);
    return false;
  }
  return true;
}

/* The sequence (cu[b] <= t < cu[b+1]) of packed token t, -1 if none. */
static int64_t sequenceOf(const AttnTensor *cu, int64_t t) {
  const int32_t *c = cu->data;
  for (int64_t b = 0; b + 1 < (int64_t)cu->count; ++b)
    if (c[b] <= t && t < c[b + 1])
      return b;
  return -1;
}

/* fp8 (docs/fp8.md): the values of q, k or v (slot, whose exact fp8
 * values args hold) times their scale (descaleSlot): [] per tensor, [Hkv],
 * [B, Hkv] (B: q's batch, or varlen's sequence of the token), or a paged
 * cache's [NB, BS, Hkv] per token. The reference then runs on these, which
 * is the op's definition: attention of the dequantized tensors. */
static double *dequantize(const AttnOpInfo *op, const AttnTensor *args, AttnSlot slot,
                          AttnSlot descaleSlot) {
  const AttnTensor *t = &args[op->arg[slot]], *sc = &args[op->arg[descaleSlot]];
  double *out = malloc(t->count * sizeof(double) + 1);
  if (!out)
    return NULL;
  int64_t hkv = op->params.Hkv, group = op->params.Hq / (hkv > 0 ? hkv : 1);
  bool isQ = slot == ATTN_Q;
  int64_t inner = t->dims[t->rank - 1];
  for (size_t i = 0; i < t->count; ++i) {
    size_t row = i / (size_t)(inner > 0 ? inner : 1);
    int64_t head, batch = 0, token = 0;
    if (op->kind == ATTN_OP_MHA) { /* [B][H][S][D] */
      int64_t s = t->dims[2] > 0 ? t->dims[2] : 1, h = t->dims[1];
      head = (int64_t)(row / (size_t)s) % h;
      batch = (int64_t)(row / (size_t)s) / h;
    } else if (op->kind == ATTN_OP_VARLEN) { /* [T][H][D] */
      head = (int64_t)row % t->dims[1];
      batch = sequenceOf(&args[op->arg[isQ ? ATTN_CU_Q : ATTN_CU_K]], (int64_t)row / t->dims[1]);
    } else if (op->kind == ATTN_OP_MLA) { /* the latent cache [NB][BS][D], kv_scale [NB][BS] */
      head = 0;
      token = (int64_t)row;
    } else { /* paged caches [NB][BS][Hkv][D] */
      head = (int64_t)row % t->dims[2];
      token = (int64_t)row / t->dims[2];
    }
    int64_t kvh = isQ ? head / group : head;
    double scale = 1.0;
    if (sc->rank == 0)
      scale = sc->values[0];
    else if (sc->rank == 1)
      scale = sc->values[kvh];
    else if (sc->rank == 2 && op->kind == ATTN_OP_MLA)
      scale = sc->values[token];
    else if (sc->rank == 2)
      scale = batch >= 0 ? sc->values[batch * hkv + kvh] : 1.0;
    else
      scale = sc->values[token * hkv + kvh];
    out[i] = t->values[i] * scale;
  }
  return out;
}

/* SAGE (docs/fp8.md, "SAGE"): the values of q, k or v (slot) as the op
 * defines them: q[b, h, i, :] * q_descale[b, h, i / q_scale_block],
 * k[b, g, j, :] * k_descale[b, g, j / k_scale_block] + k_mean[b, g, :],
 * v[b, g, j, c] * v_descale[b, g, c]; varlen rows local to their sequence
 * (tokens of no sequence unscaled: nothing reads them). Block indices are
 * clamped to the last block, as the kernels clamp them. */
static double *sageDequantize(const AttnOpInfo *op, const AttnTensor *args, AttnSlot slot) {
  const AttnTensor *t = &args[op->arg[slot]];
  AttnSlot scaleSlot = slot == ATTN_Q   ? ATTN_Q_DESCALE
                       : slot == ATTN_K ? ATTN_K_DESCALE
                                        : ATTN_V_DESCALE;
  const AttnTensor *sc = &args[op->arg[scaleSlot]];
  const AttnTensor *mean =
      slot == ATTN_K && op->arg[ATTN_K_MEAN] >= 0 ? &args[op->arg[ATTN_K_MEAN]] : NULL;
  double *out = malloc(t->count * sizeof(double) + 1);
  if (!out)
    return NULL;
  bool mha = op->kind == ATTN_OP_MHA;
  int64_t heads = t->dims[1], inner = t->dims[t->rank - 1] > 0 ? t->dims[t->rank - 1] : 1;
  int64_t block = slot == ATTN_Q ? op->qScaleBlock : op->kScaleBlock;
  const AttnTensor *cu = mha ? NULL : &args[op->arg[slot == ATTN_Q ? ATTN_CU_Q : ATTN_CU_K]];
  for (size_t i = 0; i < t->count; ++i) {
    int64_t row = (int64_t)(i / (size_t)inner), c = (int64_t)(i % (size_t)inner);
    int64_t batch, head, pos;
    if (mha) { /* [B][H][S][D] */
      int64_t s = t->dims[2] > 0 ? t->dims[2] : 1;
      pos = row % s;
      head = (row / s) % heads;
      batch = (row / s) / heads;
    } else { /* [T][H][D] */
      head = row % heads;
      int64_t token = row / heads;
      batch = sequenceOf(cu, token);
      pos = batch >= 0 ? token - ((const int32_t *)cu->data)[batch] : 0;
    }
    if (batch < 0) {
      out[i] = t->values[i];
      continue;
    }
    int64_t n = sc->dims[2];
    int64_t idx = slot == ATTN_V ? c : pos / block < n ? pos / block : n - 1;
    double x = t->values[i] * sc->values[(batch * sc->dims[1] + head) * n + idx];
    if (mean)
      x += mean->values[(batch * mean->dims[1] + head) * mean->dims[2] + c];
    out[i] = x;
  }
  return out;
}

static bool runReference(const AttnFuncInfo *info, const AttnTensor *given, RefResult *refs) {
  for (int o = 0; o < info->numOps; ++o) {
    /* fp8: q, k and v (the caches) replaced by their dequantized values, in
     * argument slots of their own (one tensor may feed k and v with different
     * scales). */
    AttnOpInfo op = info->ops[o];
    AttnTensor args[ATTN_RUN_MAX_ARGS + 3];
    memcpy(args, given, sizeof(AttnTensor) * (size_t)info->numArgs);
    double *deq[3] = {NULL, NULL, NULL};
    static const AttnSlot data[3] = {ATTN_Q, ATTN_K, ATTN_V};
    static const AttnSlot scales[3] = {ATTN_Q_DESCALE, ATTN_K_DESCALE, ATTN_V_DESCALE};
    for (int i = 0; i < 3; ++i)
      if (op.arg[scales[i]] >= 0 && op.arg[data[i]] >= 0) {
        deq[i] = op.sage ? sageDequantize(&op, given, data[i])
                         : dequantize(&op, given, data[i], scales[i]);
        if (!deq[i]) {
          fprintf(stderr, "attn-run: error: @%s: out of memory\n", info->name);
          for (int j = 0; j < i; ++j)
            free(deq[j]);
          return false;
        }
        int slot = info->numArgs + i;
        args[slot] = given[op.arg[data[i]]];
        args[slot].values = deq[i];
        op.arg[data[i]] = slot;
      }
    bool ok = runReferenceOp(info, &op, args, &refs[o]);
    for (int i = 0; i < 3; ++i)
      free(deq[i]);
    if (!ok)
      return false;
  }
  return true;
}

/*===--- Execution ---------------------------------------------------------===*/

/* A memref descriptor as the LLVM lowering lays it out: allocated and aligned
 * pointers, offset, sizes[rank], strides[rank] - all 8-byte words. */
enum { DESC_WORDS = 3 + 2 * ATTN_RUN_MAX_RANK };
typedef struct {
  int64_t w[DESC_WORDS];
} Desc;

static void descInit(Desc *d, void *data, int rank, const int64_t *dims) {
  memset(d, 0, sizeof(*d));
  uintptr_t p = (uintptr_t)data;
  d->w[0] = d->w[1] = (int64_t)p;
  d->w[2] = 0;
  int64_t stride = 1;
  for (int i = rank - 1; i >= 0; --i) {
    d->w[3 + i] = dims[i];
    d->w[3 + rank + i] = stride;
    stride *= dims[i];
  }
}

/* Compiled code allocates its results with this malloc: filling them with
 * 0xFF (NaN in f32, f16 and bf16) makes every element the code forgets to
 * write show up as a NaN mismatch. */
static void *poisonMalloc(size_t n) {
  void *p = malloc(n);
  if (p)
    memset(p, 0xFF, n);
  return p;
}

static void *poisonAlignedAlloc(size_t alignment, size_t n) {
  void *p = aligned_alloc(alignment, (n + alignment - 1) / alignment * alignment);
  if (p)
    memset(p, 0xFF, n);
  return p;
}

/* The named pipeline that takes the module to the LLVM dialect: the flash
 * pipeline, or with --reference the reference lowering. */
static const char *pipelineName(const RunOptions *o) {
  if (o->pipeline)
    return o->pipeline;
  return o->reference ? "attn-to-cpu-reference" : "attn-to-cpu";
}

/* Pipeline parse errors (unknown pass, bad options) arrive in pieces;
 * collected and printed as one message. */
typedef struct {
  char text[1024];
  size_t length;
} ErrorText;

static void collectPipelineError(MlirStringRef piece, void *userData) {
  ErrorText *e = userData;
  for (size_t i = 0; i < piece.length && e->length + 1 < sizeof(e->text); ++i)
    e->text[e->length++] = piece.data[i] == '\n' ? ' ' : piece.data[i];
  e->text[e->length] = '\0';
}

static MlirExecutionEngine compileModule(MlirModule module, const char *pipeline,
                                         const char *fileName, AttnCpuLauncher *launcher) {
  MlirContext ctx = mlirModuleGetContext(module);
  /* Every public function gets a C-compatible wrapper taking descriptors by
   * pointer, with results through a pointer in front. */
  MlirOperation top = mlirModuleGetOperation(module);
  MlirBlock body = mlirRegionGetFirstBlock(mlirOperationGetRegion(top, 0));
  for (MlirOperation op = mlirBlockGetFirstOperation(body); !mlirOperationIsNull(op);
       op = mlirOperationGetNextInBlock(op))
    mlirOperationSetDiscardableAttributeByName(
        op, mlirStringRefCreateFromCString("llvm.emit_c_interface"), mlirUnitAttrGet(ctx));
  MlirPassManager pm = mlirPassManagerCreate(ctx);
  ErrorText why = {{0}, 0};
  MlirLogicalResult ok = mlirOpPassManagerAddPipeline(mlirPassManagerGetAsOpPassManager(pm),
                                                      mlirStringRefCreateFromCString(pipeline),
                                                      collectPipelineError, &why);
  if (mlirLogicalResultIsFailure(ok))
    fprintf(stderr, "attn-run: error: bad pipeline '%s': %s\n", pipeline, why.text);
  if (mlirLogicalResultIsSuccess(ok))
    ok = mlirPassManagerRunOnOp(pm, top);
  mlirPassManagerDestroy(pm);
  if (mlirLogicalResultIsFailure(ok)) {
    fprintf(stderr, "attn-run: error: %s: lowering with %s failed\n", fileName, pipeline);
    return (MlirExecutionEngine){NULL};
  }
  MlirExecutionEngine jit = mlirExecutionEngineCreate(module, 2, 0, NULL, false, false);
  if (mlirExecutionEngineIsNull(jit)) {
    fprintf(stderr, "attn-run: error: %s: JIT compilation failed\n", fileName);
    return jit;
  }
  mlirExecutionEngineRegisterSymbol(jit, mlirStringRefCreateFromCString("malloc"),
                                    (void *)poisonMalloc);
  mlirExecutionEngineRegisterSymbol(jit, mlirStringRefCreateFromCString("aligned_alloc"),
                                    (void *)poisonAlignedAlloc);
  mlirExecutionEngineRegisterSymbol(jit, mlirStringRefCreateFromCString(ATTN_CPU_LAUNCHER_SYMBOL),
                                    launcher);
  return jit;
}

typedef struct {
  Desc args[ATTN_RUN_MAX_ARGS];
  int64_t results[ATTN_RUN_MAX_ARGS * DESC_WORDS]; /* packed result descriptors */
  int resultOffset[ATTN_RUN_MAX_ARGS];
} CallFrame;

static bool invoke(MlirExecutionEngine jit, const AttnFuncInfo *info, AttnTensor *args,
                   CallFrame *f) {
  void *resultPtr = f->results, *argPtrs[ATTN_RUN_MAX_ARGS];
  void *packed[1 + ATTN_RUN_MAX_ARGS];
  int words = 0;
  for (int r = 0; r < info->numResults; ++r) {
    f->resultOffset[r] = words;
    words += 3 + 2 * info->results[r].rank;
  }
  memset(f->results, 0, sizeof(f->results));
  packed[0] = &resultPtr;
  for (int a = 0; a < info->numArgs; ++a) {
    descInit(&f->args[a], args[a].data, args[a].rank, args[a].dims);
    argPtrs[a] = &f->args[a];
    packed[1 + a] = &argPtrs[a];
  }
  /* InvokePacked adds the _mlir_ciface_ prefix itself. */
  return mlirLogicalResultIsSuccess(
      mlirExecutionEngineInvokePacked(jit, mlirStringRefCreateFromCString(info->name), packed));
}

static void freeResults(const AttnFuncInfo *info, CallFrame *f) {
  void *freed[ATTN_RUN_MAX_ARGS];
  int numFreed = 0;
  for (int r = 0; r < info->numResults; ++r) {
    void *p = (void *)(uintptr_t)f->results[f->resultOffset[r]];
    bool seen = p == NULL;
    for (int i = 0; i < numFreed && !seen; ++i)
      seen = freed[i] == p;
    for (int a = 0; a < info->numArgs && !seen; ++a)
      seen = (void *)(uintptr_t)f->args[a].w[0] == p;
    if (!seen)
      free(freed[numFreed++] = p);
  }
}

/* Copies result r (any strides) into a dense tensor. */
static bool gatherResult(const AttnFuncInfo *info, const CallFrame *f, int r, AttnTensor *t) {
  const int64_t *d = &f->results[f->resultOffset[r]];
  int rank = info->results[r].rank;
  if (!attnTensorAlloc(t, info->results[r].elem, rank, d + 3))
    return false;
  const char *base = (const char *)(uintptr_t)d[1];
  size_t bytes = attnElemBytes(t->elem);
  for (size_t i = 0; i < t->count; ++i) {
    size_t rest = i;
    int64_t offset = d[2];
    for (int k = rank - 1; k >= 0; --k) {
      offset += (int64_t)(rest % (size_t)t->dims[k]) * d[3 + rank + k];
      rest /= (size_t)t->dims[k];
    }
    memcpy((char *)t->data + i * bytes, base + offset * (int64_t)bytes, bytes);
    t->values[i] = attnElemLoad(t->elem, t->data, i);
  }
  return true;
}

/*===--- Checking, saving, timing ------------------------------------------===*/

static void tolerance(AttnElem e, double *atol, double *rtol) {
  *atol = *rtol = e == ATTN_ELEM_F32 ? 1e-4 : 1e-2;
}

static void formatDims(const int64_t *dims, int rank, char *buf, size_t len) {
  size_t n = 0;
  buf[0] = '\0';
  for (int d = 0; d < rank && n < len; ++d)
    n += (size_t)snprintf(buf + n, len - n, d ? "x%" PRId64 : "%" PRId64, dims[d]);
}

/* What result r is compared with: its name, shape and reference values. */
typedef struct {
  const char *name;
  const int64_t *dims;
  int rank;
  const double *values;
} Expected;

static Expected expected(const AttnFuncInfo *info, int r, const RefResult *ref) {
  int index = info->resultIndex[r];
  if (attnIsBwdKind(info->ops[info->resultOp[r]].kind)) {
    static const char *const names[3] = {"dq", "dk", "dv"};
    return (Expected){names[index], ref->gradDims[index], ref->gradRank, ref->grad[index]};
  }
  if (index == 1)
    return (Expected){"lse", ref->lseDims, ref->lseRank, ref->lse};
  return (Expected){"out", ref->outDims, ref->outRank, ref->out};
}

/* A tolerance as printed: the defaults (and gradients' scaled atol) in the
 * short form (1e-02), a --atol= / --rtol= value as given (%g: 0.25). */
static void formatTolerance(double v, bool given, char *buf, size_t len) {
  snprintf(buf, len, given ? "%g" : "%.0e", v);
}

static bool checkResult(const AttnFuncInfo *info, int r, const AttnTensor *got,
                        const AttnTensor *args, const RefResult *refs, const RunOptions *o) {
  Expected want = expected(info, r, &refs[info->resultOp[r]]);
  const int64_t *wantDims = want.dims;
  int wantRank = want.rank;
  char gotShape[64], wantShape[64];
  formatDims(got->dims, got->rank, gotShape, sizeof(gotShape));
  formatDims(wantDims, wantRank, wantShape, sizeof(wantShape));
  if (strcmp(gotShape, wantShape) != 0) {
    printf("@%s result %d (%s): shape %s, expected %s  FAIL\n", info->name, r, want.name, gotShape,
           wantShape);
    return false;
  }
  double atol, rtol;
  tolerance(args[info->ops[info->resultOp[r]].arg[ATTN_Q]].elem, &atol, &rtol);
  if (o->atol >= 0)
    atol = o->atol;
  if (o->rtol >= 0)
    rtol = o->rtol;
  /* Gradients are not bounded by the values as out is (dk sums over every
   * query that sees a key): the absolute tolerance scales with the
   * gradient's largest magnitude, so an element near 0 in a large gradient
   * is held to the precision of the whole tensor (bf16's rounding of p and ds
   * in the matmuls, as FlashAttention's kernels do). */
  if (attnIsBwdKind(info->ops[info->resultOp[r]].kind)) {
    double scale = 1.0;
    for (size_t i = 0; i < got->count; ++i)
      if (isfinite(want.values[i]) && fabs(want.values[i]) > scale)
        scale = fabs(want.values[i]);
    atol *= scale;
  }
  AttnCompareStats stats;
  bool pass = attnCompare(got->values, want.values, got->count, atol, rtol, &stats);
  char atolText[32], rtolText[32];
  formatTolerance(atol, o->atol >= 0 && !attnIsBwdKind(info->ops[info->resultOp[r]].kind), atolText,
                  sizeof(atolText));
  formatTolerance(rtol, o->rtol >= 0, rtolText, sizeof(rtolText));
  printf("@%s result %d (%s %sx%s): max_abs_err=%.3e max_rel_err=%.3e (atol=%s rtol=%s)",
         info->name, r, want.name, gotShape, attnElemName(got->elem), stats.maxAbs, stats.maxRel,
         atolText, rtolText);
  if (!pass)
    printf(" bad=%" PRId64 "%s worst_index=%" PRId64, stats.numBad,
           stats.nanMismatch ? " (NaN)" : "", stats.worstIndex);
  printf("  %s\n", pass ? "PASS" : "FAIL");
  return pass;
}

static bool saveTensor(const char *dir, const char *func, const char *kind, int index,
                       const AttnTensor *t) {
  char path[4096];
  snprintf(path, sizeof(path), "%s/%s.%s%d.npy", dir, func, kind, index);
  char err[256];
  int status;
  if (t->elem == ATTN_ELEM_BF16) {
    /* bf16 is stored widened (exactly) to float32. */
    float *wide = malloc(t->count * sizeof(float) + 1);
    if (!wide)
      return false;
    for (size_t i = 0; i < t->count; ++i)
      wide[i] = (float)t->values[i];
    status = attnNpyWrite(path, ATTN_NPY_F32, t->rank, t->dims, wide, err, sizeof(err));
    free(wide);
  } else {
    AttnNpyDType dt = t->elem == ATTN_ELEM_F16   ? ATTN_NPY_F16
                      : t->elem == ATTN_ELEM_I32 ? ATTN_NPY_I32
                      : t->elem == ATTN_ELEM_I64 ? ATTN_NPY_I64
                      : t->elem == ATTN_ELEM_I8  ? ATTN_NPY_I8
                      : attnElemIsFp8(t->elem)   ? ATTN_NPY_U8
                                                 : ATTN_NPY_F32;
    status = attnNpyWrite(path, dt, t->rank, t->dims, t->data, err, sizeof(err));
  }
  if (status != 0)
    fprintf(stderr, "attn-run: error: --save: %s\n", err);
  return status == 0;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int compareDouble(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static bool bench(MlirExecutionEngine jit, const AttnFuncInfo *info, AttnTensor *args, int n) {
  double *times = malloc(sizeof(double) * (size_t)n);
  CallFrame *f = malloc(sizeof(CallFrame));
  bool ok = times && f;
  for (int i = 0; i < n && ok; ++i) {
    double t0 = now();
    ok = invoke(jit, info, args, f);
    times[i] = now() - t0;
    if (ok)
      freeResults(info, f);
  }
  if (ok) {
    qsort(times, (size_t)n, sizeof(double), compareDouble);
    printf("@%s bench: median %.3f ms over %d runs (min %.3f ms)\n", info->name, 1e3 * times[n / 2],
           n, 1e3 * times[0]);
  } else {
    fprintf(stderr, "attn-run: error: @%s: --bench failed (%s)\n", info->name,
            times && f ? "the compiled function could not be called" : "out of memory");
  }
  free(times);
  free(f);
  return ok;
}

/*===--- Driver ------------------------------------------------------------===*/

static bool runFunc(const RunOptions *o, MlirExecutionEngine jit, const AttnFuncInfo *info,
                    uint64_t *rng) {
  AttnTensor args[ATTN_RUN_MAX_ARGS];
  RefResult refs[ATTN_RUN_MAX_OPS];
  memset(args, 0, sizeof(args));
  memset(refs, 0, sizeof(refs));
  CallFrame *frame = calloc(1, sizeof(CallFrame));
  if (!frame)
    fprintf(stderr, "attn-run: error: @%s: out of memory\n", info->name);
  bool ok =
      frame && makeInputs(o, info, rng, args) && (o->noCheck || runReference(info, args, refs));
  if (ok && !invoke(jit, info, args, frame)) {
    fprintf(stderr, "attn-run: error: @%s: cannot call the compiled function\n", info->name);
    ok = false;
  }
  bool called = ok;
  for (int r = 0; called && r < info->numResults; ++r) {
    AttnTensor got;
    if (!gatherResult(info, frame, r, &got)) {
      fprintf(stderr, "attn-run: error: @%s: result %d: out of memory\n", info->name, r);
      ok = false;
      continue;
    }
    bool pass = o->noCheck || checkResult(info, r, &got, args, refs, o);
    fflush(stdout);
    if (!pass)
      ok = false;
    if (o->saveDir && !saveTensor(o->saveDir, info->name, "result", r, &got))
      ok = false;
    attnTensorDestroy(&got);
  }
  if (called)
    freeResults(info, frame);
  for (int a = 0; called && o->saveDir && a < info->numArgs; ++a)
    if (!saveTensor(o->saveDir, info->name, "arg", a, &args[a]))
      ok = false;
  if (called && o->bench && !bench(jit, info, args, o->bench))
    ok = false;
  for (int a = 0; a < ATTN_RUN_MAX_ARGS; ++a)
    attnTensorDestroy(&args[a]);
  for (int i = 0; i < ATTN_RUN_MAX_OPS; ++i) {
    free(refs[i].out);
    free(refs[i].lse);
    for (int g = 0; g < 3; ++g)
      free(refs[i].grad[g]);
  }
  free(frame);
  return ok;
}

static bool isPublicFunc(MlirOperation op) {
  if (!mlirStringRefEqual(mlirIdentifierStr(mlirOperationGetName(op)),
                          mlirStringRefCreateFromCString("func.func")))
    return false;
  MlirAttribute vis =
      mlirOperationGetAttributeByName(op, mlirStringRefCreateFromCString("sym_visibility"));
  bool hasBody = mlirRegionGetFirstBlock(mlirOperationGetRegion(op, 0)).ptr != NULL;
  return hasBody &&
         (mlirAttributeIsNull(vis) || mlirStringRefEqual(mlirStringAttrGetValue(vis),
                                                         mlirStringRefCreateFromCString("public")));
}

/* --func=NAME: only @NAME is read, compiled code for the others is unused. */
static bool isSelected(MlirOperation func, const char *name) {
  if (!name)
    return true;
  MlirAttribute sym =
      mlirOperationGetAttributeByName(func, mlirStringRefCreateFromCString("sym_name"));
  return mlirStringRefEqual(mlirStringAttrGetValue(sym), mlirStringRefCreateFromCString(name));
}

static uint64_t freshSeed(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  uint64_t s = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ ((uint64_t)getpid() << 40);
  return s % 1000000007u;
}

static int run(const RunOptions *o) {
  size_t length;
  char *text = attnReadInput("attn-run", o->file, &length, stderr);
  if (!text)
    return 1;
  if (o->saveDir && mkdir(o->saveDir, 0777) != 0 && errno != EEXIST) {
    fprintf(stderr, "attn-run: error: cannot create --save directory '%s': %s\n", o->saveDir,
            strerror(errno));
    free(text);
    return 1;
  }
  MlirContext ctx = attnContextCreate();
  AttnDiagEngine diags = {stderr, o->file, false, NULL, 0, 0, 0};
  MlirDiagnosticHandlerID handler = attnDiagAttach(ctx, &diags);
  /* The same screening as attn-opt: MLIR 22's parser does not survive some
   * inputs (pathological nesting, bytecode), so they are refused up front. */
  unsigned line = 1, column = 1;
  const char *refused =
      attnIsBytecode(text, length)
          ? "attn-run reads textual MLIR only (print bytecode with attn-opt first)"
          : attnCheckSource(text, length, 1, &line, &column);
  MlirModule module = {NULL};
  if (refused)
    mlirEmitError(
        mlirLocationFileLineColGet(ctx, mlirStringRefCreateFromCString(o->file), line, column),
        refused);
  else
    module = mlirModuleCreateParse(ctx, (MlirStringRef){text, length});
  int status = mlirModuleIsNull(module) ? 1 : 0;

  AttnFuncInfo *funcs = NULL;
  int numFuncs = 0, capacity = 0;
  MlirBlock body =
      status ? (MlirBlock){NULL}
             : mlirRegionGetFirstBlock(mlirOperationGetRegion(mlirModuleGetOperation(module), 0));
  MlirOperation next = {NULL};
  for (MlirOperation op = body.ptr ? mlirBlockGetFirstOperation(body) : (MlirOperation){NULL};
       !mlirOperationIsNull(op) && !status; op = next) {
    next = mlirOperationGetNextInBlock(op);
    if (!isPublicFunc(op))
      continue;
    if (!isSelected(op, o->func)) {
      /* Not compiled either: --func must work even if others cannot lower. */
      mlirOperationDestroy(op);
      continue;
    }
    if (numFuncs == capacity) {
      capacity = capacity ? 2 * capacity : 16;
      AttnFuncInfo *grown = realloc(funcs, (size_t)capacity * sizeof(AttnFuncInfo));
      if (!grown) {
        fprintf(stderr, "attn-run: error: out of memory reading %s\n", o->file);
        status = 1;
        break;
      }
      funcs = grown;
    }
    if (!attnReadFunc(op, o->file, &funcs[numFuncs], stderr)) {
      status = 1;
      break;
    }
    ++numFuncs;
  }
  if (!status && numFuncs == 0) {
    fprintf(stderr, "attn-run: error: %s: no public function%s%s to run\n", o->file,
            o->func ? " named " : "", o->func ? o->func : "");
    status = 1;
  }
  /* One pool for every launch of the run: threads are created once. */
  AttnThreadPool *pool = status ? NULL : attnThreadPoolCreate(o->threads);
  if (!status && !pool) {
    fputs("attn-run: error: cannot create the threads that run kernel grids\n", stderr);
    status = 1;
  }
  AttnCpuLauncher launcher = {NULL, NULL};
  if (pool)
    launcher = attnCpuLauncherForPool(pool);
  MlirExecutionEngine jit = {NULL};
  if (!status &&
      mlirExecutionEngineIsNull(jit = compileModule(module, pipelineName(o), o->file, &launcher)))
    status = 1;
  uint64_t seed = o->seedGiven ? o->seed : freshSeed();
  if (!status)
    printf("attn-run: %s seed=%" PRIu64 " pipeline=%s\n", o->file, seed, pipelineName(o));
  fflush(stdout); /* keep the header ahead of any error on stderr */
  uint64_t rng = seed;
  /* Every function runs even after a failure: one report shows all of them. */
  bool failed = false;
  for (int f = 0; f < numFuncs && !status; ++f)
    failed |= !runFunc(o, jit, &funcs[f], &rng);
  status |= failed;
  if (!mlirExecutionEngineIsNull(jit))
    mlirExecutionEngineDestroy(jit);
  attnThreadPoolDestroy(pool);
  if (!mlirModuleIsNull(module))
    mlirModuleDestroy(module);
  free(funcs);
  mlirContextDetachDiagnosticHandler(ctx, handler);
  attnDiagClear(&diags);
  mlirContextDestroy(ctx);
  free(text);
  return status;
}

int main(int argc, char **argv) {
  RunOptions o;
  memset(&o, 0, sizeof(o));
  int parsed = parseArgs(argc, argv, &o);
  if (parsed)
    return parsed == 2 ? 0 : 1;
  return run(&o);
}
