/*===- Grid.c - evaluate an entry's grid map for given argument sizes ----===*
 *
 * A recursive-descent parser that evaluates as it parses the MLIR affine-map
 * subset of AttnBundleEntry::grid_map:
 *
 *   map    := '(' [dim {',' dim}] ')' '->' '(' expr ',' expr ',' expr ')'
 *   expr   := term {('+' | '-') term}
 *   term   := unary {('*' | 'ceildiv' | 'floordiv' | 'mod') unary}
 *   unary  := '-' unary | atom
 *   atom   := integer | dim | '(' expr ')'
 *   dim    := 'd' integer          (d0, d1, ... declared in order)
 *
 * with MLIR's precedence (multiplicative binds tighter, all left
 * associative) and semantics: floordiv rounds toward -inf, ceildiv toward
 * +inf, mod is non-negative for a positive divisor (a - b * (a floordiv b)).
 * Every operation is overflow-checked, so hostile maps and sizes give an
 * error, never undefined behaviour.
 *
 *===----------------------------------------------------------------------===*/
#include "BundleInternal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 64 /* parentheses and unary minus; bounds the recursion */

typedef struct {
  const char *map, *p;
  const int64_t *dims;
  int numDims;
  int depth;
  AttnStatus status; /* first error; later ones are not reported */
  char *err;
  size_t errLen;
} Parser;

static int fail(Parser *ps, const char *what) {
  if (ps->status == ATTN_OK)
    ps->status =
        attnFail(ps->err, ps->errLen, ATTN_ERROR_INVALID_ARGUMENT,
                 "grid_map \"%s\": %s at column %d", ps->map, what, (int)(ps->p - ps->map) + 1);
  return 0;
}

static void skipSpace(Parser *ps) {
  while (isspace((unsigned char)*ps->p))
    ++ps->p;
}

static int accept(Parser *ps, const char *tok) {
  skipSpace(ps);
  size_t n = strlen(tok);
  if (strncmp(ps->p, tok, n) != 0)
    return 0;
  /* Keywords must not run into an identifier: "modx" is not "mod" "x". */
  if (isalpha((unsigned char)tok[0]) && (isalnum((unsigned char)ps->p[n]) || ps->p[n] == '_'))
    return 0;
  ps->p += n;
  return 1;
}

static int expect(Parser *ps, const char *tok) {
  if (accept(ps, tok))
    return 1;
  char msg[32];
  snprintf(msg, sizeof msg, "expected '%s'", tok);
  return fail(ps, msg);
}

/* Non-negative decimal integer; returns 0 on error (reported). */
static int parseUInt(Parser *ps, int64_t *v) {
  skipSpace(ps);
  if (!isdigit((unsigned char)*ps->p))
    return fail(ps, "expected an integer");
  int64_t x = 0;
  while (isdigit((unsigned char)*ps->p)) {
    if (__builtin_mul_overflow(x, 10, &x) || __builtin_add_overflow(x, *ps->p - '0', &x))
      return fail(ps, "integer constant overflows int64");
    ++ps->p;
  }
  *v = x;
  return 1;
}

/*--- arithmetic with MLIR semantics ---------------------------------------===*/

static int floorDiv(Parser *ps, int64_t a, int64_t b, int64_t *r) {
  if (b == 0)
    return fail(ps, "division by zero");
  if (a == INT64_MIN && b == -1)
    return fail(ps, "division overflows int64");
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0)))
    --q; /* C truncates toward zero; floor goes toward -inf */
  *r = q;
  return 1;
}

static int ceilDiv(Parser *ps, int64_t a, int64_t b, int64_t *r) {
  if (b == 0)
    return fail(ps, "division by zero");
  if (a == INT64_MIN && b == -1)
    return fail(ps, "division overflows int64");
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) == (b < 0)))
    ++q;
  *r = q;
  return 1;
}

static int modFloor(Parser *ps, int64_t a, int64_t b, int64_t *r) {
  if (b == 0)
    return fail(ps, "mod by zero");
  if (b == -1) { /* a % -1 is 0 but INT64_MIN % -1 traps in C */
    *r = 0;
    return 1;
  }
  int64_t m = a % b;
  if (m != 0 && ((m < 0) != (b < 0)))
    m += b;
  *r = m;
  return 1;
}

/*--- expressions ---------------------------------------------------------===*/

static int parseExpr(Parser *ps, int64_t *v);

static int parseDimRef(Parser *ps, int64_t *v) {
  ++ps->p; /* 'd' */
  int64_t i;
  if (!parseUInt(ps, &i))
    return 0;
  if (i >= ps->numDims)
    return fail(ps, "dim not declared in the map's dim list");
  *v = ps->dims[i];
  return 1;
}

static int parseAtom(Parser *ps, int64_t *v) {
  skipSpace(ps);
  if (*ps->p == 'd' && isdigit((unsigned char)ps->p[1]))
    return parseDimRef(ps, v);
  if (isdigit((unsigned char)*ps->p))
    return parseUInt(ps, v);
  if (accept(ps, "(")) {
    if (++ps->depth > MAX_DEPTH)
      return fail(ps, "expression nested too deeply");
    int ok = parseExpr(ps, v) && expect(ps, ")");
    --ps->depth;
    return ok;
  }
  return fail(ps, *ps->p ? "expected an integer, a dim or '('" : "unexpected end of map");
}

static int parseUnary(Parser *ps, int64_t *v) {
  if (!accept(ps, "-"))
    return parseAtom(ps, v);
  if (++ps->depth > MAX_DEPTH)
    return fail(ps, "expression nested too deeply");
  int64_t x;
  int ok = parseUnary(ps, &x);
  --ps->depth;
  if (!ok)
    return 0;
  if (x == INT64_MIN)
    return fail(ps, "negation overflows int64");
  *v = -x;
  return 1;
}

static int applyMul(Parser *ps, int op, int64_t a, int64_t b, int64_t *r) {
  switch (op) {
  case '*':
    if (__builtin_mul_overflow(a, b, r))
      return fail(ps, "multiplication overflows int64");
    return 1;
  case 'c':
    return ceilDiv(ps, a, b, r);
  case 'f':
    return floorDiv(ps, a, b, r);
  default:
    return modFloor(ps, a, b, r);
  }
}

static int mulOp(Parser *ps) {
  if (accept(ps, "*"))
    return '*';
  if (accept(ps, "ceildiv"))
    return 'c';
  if (accept(ps, "floordiv"))
    return 'f';
  if (accept(ps, "mod"))
    return 'm';
  return 0;
}

static int parseTerm(Parser *ps, int64_t *v) {
  if (!parseUnary(ps, v))
    return 0;
  for (int op; (op = mulOp(ps));) {
    int64_t rhs;
    if (!parseUnary(ps, &rhs) || !applyMul(ps, op, *v, rhs, v))
      return 0;
  }
  return 1;
}

static int parseExpr(Parser *ps, int64_t *v) {
  if (!parseTerm(ps, v))
    return 0;
  for (;;) {
    int op = accept(ps, "+") ? '+' : accept(ps, "-") ? '-' : 0;
    if (!op)
      return 1;
    int64_t rhs;
    if (!parseTerm(ps, &rhs))
      return 0;
    if (op == '+' ? __builtin_add_overflow(*v, rhs, v) : __builtin_sub_overflow(*v, rhs, v))
      return fail(ps, op == '+' ? "addition overflows int64" : "subtraction overflows int64");
  }
}

/* "(d0, d1, ...)": the dims must be d0..d(n-1) in order, n = the entry's
 * grid dim count. */
static int parseDimList(Parser *ps, int expected) {
  if (!expect(ps, "("))
    return 0;
  int n = 0;
  if (!accept(ps, ")")) {
    do {
      skipSpace(ps);
      int64_t i;
      if (*ps->p != 'd')
        return fail(ps, "expected a dim 'd<N>' (symbols are not supported)");
      ++ps->p;
      if (!parseUInt(ps, &i))
        return 0;
      if (i != n)
        return fail(ps, "dims must be declared in order d0, d1, ...");
      ++n;
    } while (accept(ps, ","));
    if (!expect(ps, ")"))
      return 0;
  }
  if (n != expected) {
    char msg[96];
    snprintf(msg, sizeof msg, "the map has %d dims but the entry has %d grid dims", n, expected);
    return fail(ps, msg);
  }
  return 1;
}

static int parseMap(Parser *ps, int64_t grid[3]) {
  if (!parseDimList(ps, ps->numDims) || !expect(ps, "->") || !expect(ps, "("))
    return 0;
  for (int i = 0; i < 3; ++i)
    if ((i && !expect(ps, ",")) || !parseExpr(ps, &grid[i]))
      return 0;
  if (accept(ps, ","))
    return fail(ps, "the map must have exactly 3 results (gx, gy, gz)");
  if (!expect(ps, ")"))
    return 0;
  skipSpace(ps);
  if (*ps->p)
    return fail(ps, "trailing characters");
  return 1;
}

/*--- grid dims -----------------------------------------------------------===*/

/* "ARG.DIM" or "ARG.DIM-1" against the kernel's argument names. */
static AttnStatus resolveDim(const AttnBundleKernel *k, const char *spec,
                             const int64_t *const *sizes, int64_t *value, char *err,
                             size_t errLen) {
  const char *dot = strrchr(spec, '.');
  if (!dot || dot == spec || !isdigit((unsigned char)dot[1]))
    return attnFail(err, errLen, ATTN_ERROR_INVALID_ARGUMENT,
                    "grid dim \"%s\": expected ARG.DIM or ARG.DIM-1", spec);
  const char *p = dot + 1;
  int dim = 0;
  while (isdigit((unsigned char)*p) && dim < 100)
    dim = dim * 10 + (*p++ - '0');
  int minusOne = strcmp(p, "-1") == 0;
  if (*p && !minusOne)
    return attnFail(err, errLen, ATTN_ERROR_INVALID_ARGUMENT,
                    "grid dim \"%s\": expected ARG.DIM or ARG.DIM-1", spec);
  size_t nameLen = (size_t)(dot - spec);
  for (int i = 0; i < k->num_args && i < ATTN_BUNDLE_MAX_ARGS; ++i) {
    if (strlen(k->args[i].name) != nameLen || strncmp(k->args[i].name, spec, nameLen) != 0)
      continue;
    if (dim >= k->args[i].rank)
      return attnFail(err, errLen, ATTN_ERROR_INVALID_ARGUMENT,
                      "grid dim \"%s\": argument '%s' has rank %d", spec, k->args[i].name,
                      (int)k->args[i].rank);
    if (!sizes[i])
      return attnFail(err, errLen, ATTN_ERROR_INVALID_ARGUMENT,
                      "grid dim \"%s\": no sizes given for argument '%s'", spec, k->args[i].name);
    if (sizes[i][dim] < 0)
      return attnFail(err, errLen, ATTN_ERROR_INVALID_ARGUMENT,
                      "grid dim \"%s\": size %lld is negative", spec, (long long)sizes[i][dim]);
    *value = sizes[i][dim] - minusOne; /* non-negative: cannot overflow */
    return ATTN_OK;
  }
  return attnFail(err, errLen, ATTN_ERROR_INVALID_ARGUMENT,
                  "grid dim \"%s\": kernel '%s' has no argument '%.*s'", spec, k->name,
                  (int)nameLen, spec);
}

AttnStatus attnBundleEvalGrid(const AttnBundleKernel *kernel, const AttnBundleEntry *entry,
                              const int64_t *const *sizes, int64_t grid[3], char *err,
                              size_t errLen) {
  if (!kernel || !entry || !grid || (entry->num_grid_dims > 0 && !sizes))
    return attnFail(err, errLen, ATTN_ERROR_INVALID_ARGUMENT, "attnBundleEvalGrid: null argument");
  if (entry->num_grid_dims < 0 || entry->num_grid_dims > 4 ||
      attnFieldLength(entry->grid_map, sizeof entry->grid_map) < 0)
    return attnFail(err, errLen, ATTN_ERROR_INVALID_ARGUMENT,
                    "attnBundleEvalGrid: malformed entry (%d grid dims)",
                    (int)entry->num_grid_dims);
  int64_t dims[4];
  for (int i = 0; i < entry->num_grid_dims; ++i) {
    if (attnFieldLength(entry->grid_dims[i], sizeof entry->grid_dims[i]) < 0)
      return attnFail(err, errLen, ATTN_ERROR_INVALID_ARGUMENT, "grid dim %d is unterminated", i);
    AttnStatus s = resolveDim(kernel, entry->grid_dims[i], sizes, &dims[i], err, errLen);
    if (s != ATTN_OK)
      return s;
  }
  Parser ps = {entry->grid_map, entry->grid_map, dims, entry->num_grid_dims, 0, ATTN_OK, err,
               errLen};
  int64_t g[3];
  if (!parseMap(&ps, g))
    return ps.status;
  for (int i = 0; i < 3; ++i)
    if (g[i] < 0)
      return attnFail(err, errLen, ATTN_ERROR_INVALID_ARGUMENT,
                      "grid_map \"%s\" gives %c = %lld for these sizes: negative", entry->grid_map,
                      "xyz"[i], (long long)g[i]);
  memcpy(grid, g, sizeof g);
  return ATTN_OK;
}
