/*===- ConfigTable.c - per-target tile configuration tables ---------------===*
 *
 * A small strict JSON parser (RFC 8259 minus fractions and exponents: objects,
 * arrays, strings with escapes and UTF-8 validation, int64 integers, booleans,
 * null; no trailing garbage, no duplicate keys, bounded nesting) that builds a
 * tree with positions, and a validator that turns the tree into a table.
 *
 *===----------------------------------------------------------------------===*/

#include "ConfigTable.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*===----------------------------------------------------------------------===*
 * Messages
 *===----------------------------------------------------------------------===*/

static void writeErr(char *err, size_t errLen, const char *fmt, ...) {
  if (!err || errLen == 0)
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errLen, fmt, ap);
  va_end(ap);
}

static void writeLocatedErr(char *err, size_t errLen, const char *path, size_t line, size_t col,
                            const char *fmt, va_list ap) {
  if (!err || errLen == 0)
    return;
  int n = snprintf(err, errLen, "%s:%zu:%zu: ", path, line, col);
  if (n < 0 || (size_t)n >= errLen)
    return;
  vsnprintf(err + n, errLen - (size_t)n, fmt, ap);
}

/* Appends a printable rendering of text[0..len) (at most `max` bytes, with
 * "..." when cut) to a message: used to quote user text in messages. */
static void quoteInto(char *buf, size_t bufLen, const char *text, size_t len) {
  size_t max = 48, o = 0;
  if (bufLen == 0)
    return;
  for (size_t i = 0; i < len && i < max && o + 5 < bufLen; ++i) {
    unsigned char c = (unsigned char)text[i];
    if (c >= 0x20 && c < 0x7f) {
      buf[o++] = (char)c;
    } else {
      snprintf(buf + o, bufLen - o, "\\x%02x", c);
      o += 4;
    }
  }
  if (len > max && o + 4 < bufLen) {
    memcpy(buf + o, "...", 3);
    o += 3;
  }
  buf[o] = '\0';
}

/*===----------------------------------------------------------------------===*
 * JSON tree
 *===----------------------------------------------------------------------===*/

typedef enum { JSON_NULL, JSON_BOOL, JSON_INT, JSON_STRING, JSON_ARRAY, JSON_OBJECT } JsonKind;

typedef struct JsonValue JsonValue;

typedef struct {
  char *key; /* NUL-terminated, never contains NUL (\u0000 is rejected) */
  size_t line, col;
  JsonValue *value;
} JsonMember;

struct JsonValue {
  JsonKind kind;
  size_t line, col;
  bool boolean;
  int64_t integer;
  char *string;
  JsonValue **items;   /* JSON_ARRAY */
  JsonMember *members; /* JSON_OBJECT */
  size_t count, capacity;
};

static const char *kindName(JsonKind kind) {
  switch (kind) {
  case JSON_NULL:
    return "null";
  case JSON_BOOL:
    return "a boolean";
  case JSON_INT:
    return "an integer";
  case JSON_STRING:
    return "a string";
  case JSON_ARRAY:
    return "an array";
  case JSON_OBJECT:
    return "an object";
  }
  return "?";
}

static void jsonFree(JsonValue *v) {
  if (!v)
    return;
  free(v->string);
  for (size_t i = 0; v->items && i < v->count; ++i)
    jsonFree(v->items[i]);
  for (size_t i = 0; v->members && i < v->count; ++i) {
    free(v->members[i].key);
    jsonFree(v->members[i].value);
  }
  free(v->items);
  free(v->members);
  free(v);
}

/*===----------------------------------------------------------------------===*
 * JSON parser
 *===----------------------------------------------------------------------===*/

typedef struct {
  const char *text;
  size_t len, pos;
  size_t line, lineStart; /* 1-based line of pos, offset where it starts */
  const char *path;
  char *err;
  size_t errLen;
  bool failed;
} Parser;

static void failAt(Parser *p, size_t pos, const char *fmt, ...) {
  if (p->failed)
    return;
  p->failed = true;
  va_list ap;
  va_start(ap, fmt);
  writeLocatedErr(p->err, p->errLen, p->path, p->line, pos - p->lineStart + 1, fmt, ap);
  va_end(ap);
}

/* "'x'", "byte 0x80" or "end of input" for the byte at pos. */
static void describeAt(const Parser *p, size_t pos, char *buf, size_t bufLen) {
  if (pos >= p->len) {
    snprintf(buf, bufLen, "end of input");
    return;
  }
  unsigned char c = (unsigned char)p->text[pos];
  if (c > 0x20 && c < 0x7f)
    snprintf(buf, bufLen, "'%c'", c);
  else
    snprintf(buf, bufLen, "byte 0x%02x", c);
}

static void failExpected(Parser *p, const char *what) {
  char got[32];
  describeAt(p, p->pos, got, sizeof got);
  failAt(p, p->pos, "expected %s, got %s", what, got);
}

static void skipWhitespace(Parser *p) {
  while (p->pos < p->len) {
    char c = p->text[p->pos];
    if (c == '\n') {
      ++p->line;
      p->lineStart = p->pos + 1;
    } else if (c != ' ' && c != '\t' && c != '\r') {
      return;
    }
    ++p->pos;
  }
}

static JsonValue *newValue(Parser *p, JsonKind kind) {
  JsonValue *v = calloc(1, sizeof *v);
  if (!v) {
    failAt(p, p->pos, "out of memory");
    return NULL;
  }
  v->kind = kind;
  v->line = p->line;
  v->col = p->pos - p->lineStart + 1;
  return v;
}

typedef struct {
  char *data;
  size_t len, cap;
} Buffer;

static bool bufferPut(Buffer *b, const char *bytes, size_t n) {
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 32;
    while (b->len + n + 1 > cap)
      cap *= 2;
    char *grown = realloc(b->data, cap);
    if (!grown)
      return false;
    b->data = grown;
    b->cap = cap;
  }
  memcpy(b->data + b->len, bytes, n);
  b->len += n;
  b->data[b->len] = '\0';
  return true;
}

static int hexDigit(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Reads the 4 hex digits after "\u" at p->pos (which points at the 'u'). */
static long readHex4(Parser *p) {
  size_t start = p->pos - 1; /* the backslash */
  long cp = 0;
  for (size_t i = 1; i <= 4; ++i) {
    int d = p->pos + i < p->len ? hexDigit(p->text[p->pos + i]) : -1;
    if (d < 0) {
      failAt(p, start, "invalid \\u escape: expected 4 hex digits");
      return -1;
    }
    cp = cp * 16 + d;
  }
  p->pos += 5;
  return cp;
}

/* Length of the valid UTF-8 sequence at pos (2..4), or 0 if invalid. */
static size_t utf8Length(const Parser *p, size_t pos) {
  const unsigned char *s = (const unsigned char *)p->text + pos;
  size_t avail = p->len - pos;
  unsigned char c = s[0], lo = 0x80, hi = 0xbf;
  size_t n;
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    if (c == 0xe0)
      lo = 0xa0;
    else if (c == 0xed)
      hi = 0x9f; /* no UTF-16 surrogates */
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    if (c == 0xf0)
      lo = 0x90;
    else if (c == 0xf4)
      hi = 0x8f; /* nothing above U+10FFFF */
  } else {
    return 0;
  }
  if (avail < n || s[1] < lo || s[1] > hi)
    return 0;
  for (size_t i = 2; i < n; ++i)
    if (s[i] < 0x80 || s[i] > 0xbf)
      return 0;
  return n;
}

static void putCodePoint(Buffer *b, long cp, bool *ok) {
  char u[4];
  size_t n;
  if (cp < 0x80) {
    u[0] = (char)cp;
    n = 1;
  } else if (cp < 0x800) {
    u[0] = (char)(0xc0 | (cp >> 6));
    u[1] = (char)(0x80 | (cp & 0x3f));
    n = 2;
  } else if (cp < 0x10000) {
    u[0] = (char)(0xe0 | (cp >> 12));
    u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
    u[2] = (char)(0x80 | (cp & 0x3f));
    n = 3;
  } else {
    u[0] = (char)(0xf0 | (cp >> 18));
    u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    u[3] = (char)(0x80 | (cp & 0x3f));
    n = 4;
  }
  if (!bufferPut(b, u, n))
    *ok = false;
}

/* Parses the string at p->pos (a '"') into a malloc'ed NUL-terminated copy. */
static char *parseString(Parser *p) {
  size_t start = p->pos;
  Buffer b = {NULL, 0, 0};
  bool ok = bufferPut(&b, "", 0);
  ++p->pos;
  while (ok && !p->failed) {
    if (p->pos >= p->len) {
      failAt(p, start, "unterminated string");
      break;
    }
    unsigned char c = (unsigned char)p->text[p->pos];
    if (c == '"') {
      ++p->pos;
      return b.data;
    }
    if (c < 0x20) {
      failAt(p, p->pos, "control character (byte 0x%02x) in string must be escaped", c);
      break;
    }
    if (c >= 0x80) {
      size_t n = utf8Length(p, p->pos);
      if (n == 0) {
        failAt(p, p->pos, "invalid UTF-8 in string");
        break;
      }
      ok = bufferPut(&b, p->text + p->pos, n);
      p->pos += n;
      continue;
    }
    if (c != '\\') {
      ok = bufferPut(&b, (const char *)&p->text[p->pos], 1);
      ++p->pos;
      continue;
    }
    size_t escape = p->pos++;
    if (p->pos >= p->len) {
      failAt(p, start, "unterminated string");
      break;
    }
    char e = p->text[p->pos], out = 0;
    switch (e) {
    case '"':
    case '\\':
    case '/':
      out = e;
      break;
    case 'b':
      out = '\b';
      break;
    case 'f':
      out = '\f';
      break;
    case 'n':
      out = '\n';
      break;
    case 'r':
      out = '\r';
      break;
    case 't':
      out = '\t';
      break;
    case 'u': {
      long cp = readHex4(p);
      if (cp < 0)
        break;
      if (cp >= 0xdc00 && cp <= 0xdfff) {
        failAt(p, escape, "unpaired low surrogate in \\u escape");
        break;
      }
      if (cp >= 0xd800 && cp <= 0xdbff) {
        if (p->pos + 1 >= p->len || p->text[p->pos] != '\\' || p->text[p->pos + 1] != 'u') {
          failAt(p, escape, "unpaired high surrogate in \\u escape");
          break;
        }
        ++p->pos;
        long low = readHex4(p);
        if (low < 0)
          break;
        if (low < 0xdc00 || low > 0xdfff) {
          failAt(p, escape, "unpaired high surrogate in \\u escape");
          break;
        }
        cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
      }
      if (cp == 0) {
        failAt(p, escape, "\\u0000 is not allowed in strings");
        break;
      }
      putCodePoint(&b, cp, &ok);
      continue;
    }
    default: {
      char got[32];
      describeAt(p, p->pos, got, sizeof got);
      failAt(p, escape, "invalid escape sequence: '\\' followed by %s", got);
      break;
    }
    }
    if (p->failed)
      break;
    ok = bufferPut(&b, &out, 1);
    ++p->pos;
  }
  if (!ok)
    failAt(p, start, "out of memory");
  free(b.data);
  return NULL;
}

static bool isDigit(char c) { return c >= '0' && c <= '9'; }

static void parseInteger(Parser *p, JsonValue *v) {
  size_t start = p->pos;
  bool negative = p->text[p->pos] == '-';
  if (negative)
    ++p->pos;
  if (p->pos >= p->len || !isDigit(p->text[p->pos])) {
    failExpected(p, negative ? "a digit after '-'" : "a digit");
    return;
  }
  if (p->text[p->pos] == '0' && p->pos + 1 < p->len && isDigit(p->text[p->pos + 1])) {
    failAt(p, start, "leading zeros are not allowed in numbers");
    return;
  }
  uint64_t limit = negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
  uint64_t magnitude = 0;
  bool overflow = false;
  for (; p->pos < p->len && isDigit(p->text[p->pos]); ++p->pos) {
    unsigned d = (unsigned)(p->text[p->pos] - '0');
    if (magnitude > (limit - d) / 10)
      overflow = true;
    else
      magnitude = magnitude * 10 + d;
  }
  if (p->pos < p->len &&
      (p->text[p->pos] == '.' || p->text[p->pos] == 'e' || p->text[p->pos] == 'E')) {
    failAt(p, start, "only integers are allowed (no fractions or exponents)");
    return;
  }
  if (overflow) {
    failAt(p, start, "integer out of range (must fit in 64-bit signed)");
    return;
  }
  if (!negative)
    v->integer = (int64_t)magnitude;
  else if (magnitude == (uint64_t)INT64_MAX + 1)
    v->integer = INT64_MIN;
  else
    v->integer = -(int64_t)magnitude;
}

static JsonValue *parseValue(Parser *p, unsigned depth);

static bool growItems(Parser *p, JsonValue *v) {
  if (v->count < v->capacity)
    return true;
  size_t cap = v->capacity ? v->capacity * 2 : 4;
  void *grown = v->kind == JSON_ARRAY ? realloc(v->items, cap * sizeof *v->items)
                                      : realloc(v->members, cap * sizeof *v->members);
  if (!grown) {
    failAt(p, p->pos, "out of memory");
    return false;
  }
  if (v->kind == JSON_ARRAY)
    v->items = grown;
  else
    v->members = grown;
  v->capacity = cap;
  return true;
}

static void parseArray(Parser *p, JsonValue *v, unsigned depth) {
  ++p->pos; /* '[' */
  skipWhitespace(p);
  if (p->pos < p->len && p->text[p->pos] == ']') {
    ++p->pos;
    return;
  }
  for (;;) {
    if (!growItems(p, v))
      return;
    JsonValue *item = parseValue(p, depth);
    if (!item)
      return;
    v->items[v->count++] = item;
    skipWhitespace(p);
    if (p->pos < p->len && p->text[p->pos] == ',') {
      ++p->pos;
      skipWhitespace(p);
      if (p->pos < p->len && p->text[p->pos] == ']') {
        failAt(p, p->pos, "trailing comma in array");
        return;
      }
      continue;
    }
    if (p->pos < p->len && p->text[p->pos] == ']') {
      ++p->pos;
      return;
    }
    failExpected(p, "',' or ']' in array");
    return;
  }
}

static void parseObject(Parser *p, JsonValue *v, unsigned depth) {
  ++p->pos; /* '{' */
  skipWhitespace(p);
  if (p->pos < p->len && p->text[p->pos] == '}') {
    ++p->pos;
    return;
  }
  for (;;) {
    if (p->pos >= p->len || p->text[p->pos] != '"') {
      if (p->pos < p->len && p->text[p->pos] == '}' && v->count > 0)
        failAt(p, p->pos, "trailing comma in object");
      else
        failExpected(p, "a string key in object");
      return;
    }
    size_t keyLine = p->line, keyCol = p->pos - p->lineStart + 1;
    char *key = parseString(p);
    if (!key)
      return;
    for (size_t i = 0; i < v->count; ++i) {
      if (strcmp(v->members[i].key, key) == 0) {
        char quoted[200];
        quoteInto(quoted, sizeof quoted, key, strlen(key));
        p->failed = true;
        writeErr(p->err, p->errLen, "%s:%zu:%zu: duplicate key '%s' (first given at %zu:%zu)",
                 p->path, keyLine, keyCol, quoted, v->members[i].line, v->members[i].col);
        free(key);
        return;
      }
    }
    if (!growItems(p, v)) {
      free(key);
      return;
    }
    JsonMember *m = &v->members[v->count];
    m->key = key;
    m->line = keyLine;
    m->col = keyCol;
    m->value = NULL;
    ++v->count;
    skipWhitespace(p);
    if (p->pos >= p->len || p->text[p->pos] != ':') {
      failExpected(p, "':' after object key");
      return;
    }
    ++p->pos;
    m->value = parseValue(p, depth);
    if (!m->value)
      return;
    skipWhitespace(p);
    if (p->pos < p->len && p->text[p->pos] == ',') {
      ++p->pos;
      skipWhitespace(p);
      continue;
    }
    if (p->pos < p->len && p->text[p->pos] == '}') {
      ++p->pos;
      return;
    }
    failExpected(p, "',' or '}' in object");
    return;
  }
}

static bool matchLiteral(Parser *p, const char *word) {
  size_t n = strlen(word);
  if (p->len - p->pos < n || memcmp(p->text + p->pos, word, n) != 0)
    return false;
  p->pos += n;
  return true;
}

/* Parses one value after skipping whitespace; `depth` counts the containers
 * around it. Returns NULL (with p->failed set) on error. */
static JsonValue *parseValue(Parser *p, unsigned depth) {
  skipWhitespace(p);
  if (p->pos >= p->len) {
    failExpected(p, "a value");
    return NULL;
  }
  char c = p->text[p->pos];
  JsonValue *v = NULL;
  if (c == '{' || c == '[') {
    if (depth + 1 > ATTN_CONFIG_MAX_DEPTH) {
      failAt(p, p->pos, "nesting deeper than %d levels", ATTN_CONFIG_MAX_DEPTH);
      return NULL;
    }
    v = newValue(p, c == '{' ? JSON_OBJECT : JSON_ARRAY);
    if (!v)
      return NULL;
    if (c == '{')
      parseObject(p, v, depth + 1);
    else
      parseArray(p, v, depth + 1);
  } else if (c == '"') {
    v = newValue(p, JSON_STRING);
    if (!v)
      return NULL;
    v->string = parseString(p);
  } else if (c == '-' || isDigit(c)) {
    v = newValue(p, JSON_INT);
    if (!v)
      return NULL;
    parseInteger(p, v);
  } else if (c == 't' || c == 'f' || c == 'n') {
    v = newValue(p, c == 'n' ? JSON_NULL : JSON_BOOL);
    if (!v)
      return NULL;
    v->boolean = c == 't';
    if (!matchLiteral(p, c == 't' ? "true" : c == 'f' ? "false" : "null"))
      failAt(p, p->pos, "invalid literal (expected true, false or null)");
  } else {
    failExpected(p, "a value");
    return NULL;
  }
  if (p->failed) {
    jsonFree(v);
    return NULL;
  }
  return v;
}

static JsonValue *jsonParse(Parser *p) {
  JsonValue *root = parseValue(p, 0);
  if (!root)
    return NULL;
  skipWhitespace(p);
  if (p->pos < p->len) {
    char got[32];
    describeAt(p, p->pos, got, sizeof got);
    failAt(p, p->pos, "unexpected %s after the top-level value", got);
    jsonFree(root);
    return NULL;
  }
  return root;
}

/*===----------------------------------------------------------------------===*
 * Table
 *===----------------------------------------------------------------------===*/

enum {
  MATCH_DTYPE,
  MATCH_HEAD_DIM,
  MATCH_CAUSAL,
  MATCH_VARLEN,
  MATCH_PAGED,
  MATCH_SCORE_MODS,
  NUM_MATCH_KEYS
};
enum { NUM_CONFIG_KEYS = 5 };

static const char *const matchKeys[NUM_MATCH_KEYS] = {"dtype",  "head_dim", "causal",
                                                      "varlen", "paged",    "score_mods"};
/* Values of "paged", indexed by AttnPagedMode. */
static const char *const pagedNames[] = {"none", "prefill", "decode"};
static const char *const configKeys[NUM_CONFIG_KEYS] = {"block_m", "block_n", "num_warps",
                                                        "num_stages", "kv_splits"};
static const char *const dtypeNames[] = {"f16", "bf16", "f32"};

typedef struct {
  unsigned matchMask; /* bit i: matchKeys[i] given */
  AttnDType dtype;
  int64_t headDim;
  bool causal, varlen, scoreMods;
  AttnPagedMode paged;
  unsigned configMask; /* bit i: configKeys[i] given */
  int64_t config[NUM_CONFIG_KEYS];
  size_t line, col;
} Entry;

struct AttnConfigTable {
  char *target;
  char *path;
  Entry *entries;
  size_t count;
  size_t defaultIndex;
};

static int64_t *configField(AttnTileConfig *c, int i) {
  switch (i) {
  case 0:
    return &c->blockM;
  case 1:
    return &c->blockN;
  case 2:
    return &c->numWarps;
  case 3:
    return &c->numStages;
  default:
    return &c->kvSplits;
  }
}

static unsigned popcount(unsigned x) {
  unsigned n = 0;
  for (; x; x &= x - 1)
    ++n;
  return n;
}

typedef struct {
  const char *path;
  char *err;
  size_t errLen;
} Validator;

static bool failNode(const Validator *val, size_t line, size_t col, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  writeLocatedErr(val->err, val->errLen, val->path, line, col, fmt, ap);
  va_end(ap);
  return false;
}

static int keyIndex(const char *const *keys, int n, const char *key) {
  for (int i = 0; i < n; ++i)
    if (strcmp(keys[i], key) == 0)
      return i;
  return -1;
}

static bool unknownKey(const Validator *val, const JsonMember *m, const char *what,
                       const char *expected) {
  char quoted[200];
  quoteInto(quoted, sizeof quoted, m->key, strlen(m->key));
  return failNode(val, m->line, m->col, "unknown %s key '%s' (expected %s)", what, quoted,
                  expected);
}

static bool expectKind(const Validator *val, const JsonMember *m, JsonKind kind) {
  if (m->value->kind == kind)
    return true;
  return failNode(val, m->value->line, m->value->col, "'%s' must be %s, got %s", m->key,
                  kindName(kind), kindName(m->value->kind));
}

static bool parseMatch(const Validator *val, const JsonValue *match, Entry *e) {
  for (size_t i = 0; i < match->count; ++i) {
    const JsonMember *m = &match->members[i];
    const JsonValue *v = m->value;
    int k = keyIndex(matchKeys, NUM_MATCH_KEYS, m->key);
    if (k < 0)
      return unknownKey(val, m, "match", "dtype, head_dim, causal, varlen, paged, score_mods");
    e->matchMask |= 1u << k;
    switch (k) {
    case MATCH_DTYPE: {
      if (!expectKind(val, m, JSON_STRING))
        return false;
      int d = keyIndex(dtypeNames, 3, v->string);
      if (d < 0) {
        char quoted[200];
        quoteInto(quoted, sizeof quoted, v->string, strlen(v->string));
        return failNode(val, v->line, v->col, "unknown dtype '%s' (expected f16, bf16 or f32)",
                        quoted);
      }
      e->dtype = (AttnDType)d;
      break;
    }
    case MATCH_HEAD_DIM:
      if (!expectKind(val, m, JSON_INT))
        return false;
      if (v->integer <= 0)
        return failNode(val, v->line, v->col, "'head_dim' must be positive, got %lld",
                        (long long)v->integer);
      e->headDim = v->integer;
      break;
    case MATCH_PAGED: {
      if (!expectKind(val, m, JSON_STRING))
        return false;
      int d = keyIndex(pagedNames, 3, v->string);
      if (d < 0) {
        char quoted[200];
        quoteInto(quoted, sizeof quoted, v->string, strlen(v->string));
        return failNode(val, v->line, v->col,
                        "unknown paged kernel '%s' (expected none, prefill or decode)", quoted);
      }
      e->paged = (AttnPagedMode)d;
      break;
    }
    case MATCH_CAUSAL:
    case MATCH_VARLEN:
    case MATCH_SCORE_MODS:
      if (!expectKind(val, m, JSON_BOOL))
        return false;
      if (k == MATCH_CAUSAL)
        e->causal = v->boolean;
      else if (k == MATCH_VARLEN)
        e->varlen = v->boolean;
      else
        e->scoreMods = v->boolean;
      break;
    }
  }
  return true;
}

static bool checkConfigValue(const Validator *val, const char *key, size_t line, size_t col,
                             int64_t value, bool atLeastOne) {
  /* kv_splits = 0: the number of splits is chosen at run time (paged). */
  if (value == 0 && strcmp(key, "kv_splits") == 0)
    return true;
  if (value <= 0)
    return failNode(val, line, col,
                    atLeastOne ? "'%s' must be >= 1, got %lld" : "'%s' must be positive, got %lld",
                    key, (long long)value);
  if (value > ATTN_TILE_CONFIG_MAX_VALUE)
    return failNode(val, line, col, "'%s' must be at most %d, got %lld", key,
                    ATTN_TILE_CONFIG_MAX_VALUE, (long long)value);
  return true;
}

static bool parseConfig(const Validator *val, const JsonValue *config, Entry *e) {
  for (size_t i = 0; i < config->count; ++i) {
    const JsonMember *m = &config->members[i];
    int k = keyIndex(configKeys, NUM_CONFIG_KEYS, m->key);
    if (k < 0)
      return unknownKey(val, m, "config", "block_m, block_n, num_warps, num_stages, kv_splits");
    if (!expectKind(val, m, JSON_INT) ||
        !checkConfigValue(val, m->key, m->value->line, m->value->col, m->value->integer, k >= 3))
      return false;
    e->configMask |= 1u << k;
    e->config[k] = m->value->integer;
  }
  return true;
}

static bool sameMatch(const Entry *a, const Entry *b) {
  if (a->matchMask != b->matchMask)
    return false;
  unsigned m = a->matchMask;
  return (!(m & (1u << MATCH_DTYPE)) || a->dtype == b->dtype) &&
         (!(m & (1u << MATCH_HEAD_DIM)) || a->headDim == b->headDim) &&
         (!(m & (1u << MATCH_CAUSAL)) || a->causal == b->causal) &&
         (!(m & (1u << MATCH_VARLEN)) || a->varlen == b->varlen) &&
         (!(m & (1u << MATCH_PAGED)) || a->paged == b->paged) &&
         (!(m & (1u << MATCH_SCORE_MODS)) || a->scoreMods == b->scoreMods);
}

static bool parseEntry(const Validator *val, const JsonValue *v, Entry *e) {
  memset(e, 0, sizeof *e);
  e->line = v->line;
  e->col = v->col;
  if (v->kind != JSON_OBJECT)
    return failNode(val, v->line, v->col, "entry must be an object, got %s", kindName(v->kind));
  const JsonMember *match = NULL, *config = NULL;
  for (size_t i = 0; i < v->count; ++i) {
    const JsonMember *m = &v->members[i];
    if (strcmp(m->key, "match") == 0)
      match = m;
    else if (strcmp(m->key, "config") == 0)
      config = m;
    else if (strcmp(m->key, "comment") == 0) {
      if (!expectKind(val, m, JSON_STRING))
        return false;
    } else
      return unknownKey(val, m, "entry", "match, config, comment");
  }
  if (!match)
    return failNode(val, v->line, v->col, "entry is missing required key 'match'");
  if (!config)
    return failNode(val, v->line, v->col, "entry is missing required key 'config'");
  return expectKind(val, match, JSON_OBJECT) && parseMatch(val, match->value, e) &&
         expectKind(val, config, JSON_OBJECT) && parseConfig(val, config->value, e);
}

static bool buildTable(const Validator *val, const JsonValue *root, AttnConfigTable *t) {
  if (root->kind != JSON_OBJECT)
    return failNode(val, root->line, root->col, "top-level value must be an object, got %s",
                    kindName(root->kind));
  const JsonMember *target = NULL, *entries = NULL;
  for (size_t i = 0; i < root->count; ++i) {
    const JsonMember *m = &root->members[i];
    if (strcmp(m->key, "target") == 0)
      target = m;
    else if (strcmp(m->key, "entries") == 0)
      entries = m;
    else if (strcmp(m->key, "comment") == 0) {
      if (!expectKind(val, m, JSON_STRING))
        return false;
    } else
      return unknownKey(val, m, "top-level", "target, comment, entries");
  }
  if (!target)
    return failNode(val, root->line, root->col, "missing required key 'target'");
  if (!expectKind(val, target, JSON_STRING))
    return false;
  if (target->value->string[0] == '\0')
    return failNode(val, target->value->line, target->value->col, "'target' must not be empty");
  if (!entries)
    return failNode(val, root->line, root->col, "missing required key 'entries'");
  if (!expectKind(val, entries, JSON_ARRAY))
    return false;
  const JsonValue *list = entries->value;
  if (list->count > INT_MAX)
    return failNode(val, list->line, list->col, "too many entries");

  t->target = malloc(strlen(target->value->string) + 1);
  t->entries = calloc(list->count ? list->count : 1, sizeof *t->entries);
  if (!t->target || !t->entries)
    return failNode(val, root->line, root->col, "out of memory");
  strcpy(t->target, target->value->string);

  bool haveDefault = false;
  for (size_t i = 0; i < list->count; ++i) {
    Entry *e = &t->entries[i];
    if (!parseEntry(val, list->items[i], e))
      return false;
    t->count = i + 1;
    for (size_t j = 0; j < i; ++j) {
      if (sameMatch(&t->entries[j], e))
        return failNode(val, e->line, e->col,
                        "this entry has the same \"match\" as the entry at %zu:%zu and can "
                        "never be selected",
                        t->entries[j].line, t->entries[j].col);
    }
    if (e->matchMask == 0) {
      haveDefault = true;
      t->defaultIndex = i;
      for (int k = 0; k < NUM_CONFIG_KEYS; ++k)
        if (!(e->configMask & (1u << k)))
          return failNode(val, e->line, e->col,
                          "the default entry (empty \"match\") must give every config key; "
                          "'%s' is missing",
                          configKeys[k]);
    }
  }
  if (!haveDefault)
    return failNode(val, list->line, list->col,
                    "missing default entry (one with an empty \"match\": {})");
  return true;
}

void attnConfigTableDestroy(AttnConfigTable *t) {
  if (!t)
    return;
  free(t->target);
  free(t->path);
  free(t->entries);
  free(t);
}

AttnConfigTable *attnConfigTableParse(const char *text, size_t length, const char *path, char *err,
                                      size_t errLen) {
  if (!path)
    path = "<input>";
  writeErr(err, errLen, "%s", "");
  if (!text && length > 0) {
    writeErr(err, errLen, "%s: no text", path);
    return NULL;
  }
  Parser p = {text ? text : "", length, 0, 1, 0, path, err, errLen, false};
  JsonValue *root = jsonParse(&p);
  if (!root)
    return NULL;
  Validator val = {path, err, errLen};
  AttnConfigTable *t = calloc(1, sizeof *t);
  bool ok = t != NULL;
  if (!ok)
    writeErr(err, errLen, "%s: out of memory", path);
  else if ((ok = buildTable(&val, root, t))) {
    t->path = malloc(strlen(path) + 1);
    if (t->path)
      strcpy(t->path, path);
    else
      ok = failNode(&val, 1, 1, "out of memory");
  }
  jsonFree(root);
  if (!ok) {
    attnConfigTableDestroy(t);
    return NULL;
  }
  return t;
}

AttnConfigTable *attnConfigTableLoad(const char *path, char *err, size_t errLen) {
  if (!path) {
    writeErr(err, errLen, "no path given");
    return NULL;
  }
  FILE *f = fopen(path, "rb");
  if (!f) {
    writeErr(err, errLen, "%s: cannot open: %s", path, strerror(errno));
    return NULL;
  }
  size_t cap = 4096, len = 0;
  char *data = malloc(cap);
  bool tooLarge = false;
  while (data) {
    if (len == cap) {
      if (cap >= ATTN_CONFIG_MAX_FILE_SIZE) {
        tooLarge = true;
        break;
      }
      char *grown = realloc(data, cap * 2);
      if (!grown) {
        free(data);
        data = NULL;
        break;
      }
      data = grown;
      cap *= 2;
    }
    size_t n = fread(data + len, 1, cap - len, f);
    len += n;
    if (n == 0)
      break;
  }
  bool readError = ferror(f) != 0;
  int readErrno = errno;
  fclose(f);
  AttnConfigTable *t = NULL;
  if (!data)
    writeErr(err, errLen, "%s: out of memory", path);
  else if (readError)
    writeErr(err, errLen, "%s: read error: %s", path, strerror(readErrno));
  else if (tooLarge)
    writeErr(err, errLen, "%s: file too large (%u bytes or more)", path, ATTN_CONFIG_MAX_FILE_SIZE);
  else
    t = attnConfigTableParse(data, len, path, err, errLen);
  free(data);
  return t;
}

const char *attnConfigTableTarget(const AttnConfigTable *t) { return t ? t->target : NULL; }

const char *attnConfigTablePath(const AttnConfigTable *t) { return t ? t->path : NULL; }

size_t attnConfigTableNumEntries(const AttnConfigTable *t) { return t ? t->count : 0; }

size_t attnConfigTableDefaultIndex(const AttnConfigTable *t) { return t ? t->defaultIndex : 0; }

bool attnConfigTableEntryLocation(const AttnConfigTable *t, size_t index, size_t *line,
                                  size_t *col) {
  if (!t || index >= t->count)
    return false;
  if (line)
    *line = t->entries[index].line;
  if (col)
    *col = t->entries[index].col;
  return true;
}

static bool entryMatches(const Entry *e, const AttnTileQuery *q) {
  unsigned m = e->matchMask;
  return (!(m & (1u << MATCH_DTYPE)) || e->dtype == q->dtype) &&
         (!(m & (1u << MATCH_HEAD_DIM)) || e->headDim == q->headDim) &&
         (!(m & (1u << MATCH_CAUSAL)) || e->causal == q->causal) &&
         (!(m & (1u << MATCH_VARLEN)) || e->varlen == q->varlen) &&
         (!(m & (1u << MATCH_PAGED)) || e->paged == q->paged) &&
         (!(m & (1u << MATCH_SCORE_MODS)) || e->scoreMods == q->scoreMods);
}

int attnConfigTableLookup(const AttnConfigTable *t, const AttnTileQuery *q, AttnTileConfig *out) {
  if (!t || !q || !out)
    return -1;
  size_t best = t->defaultIndex;
  unsigned bestKeys = 0;
  for (size_t i = 0; i < t->count; ++i) {
    const Entry *e = &t->entries[i];
    unsigned keys = popcount(e->matchMask);
    if (keys > bestKeys && entryMatches(e, q)) {
      best = i;
      bestKeys = keys;
    }
  }
  const Entry *def = &t->entries[t->defaultIndex], *chosen = &t->entries[best];
  for (int k = 0; k < NUM_CONFIG_KEYS; ++k)
    *configField(out, k) = (chosen->configMask & (1u << k)) ? chosen->config[k] : def->config[k];
  return (int)best;
}

/*===----------------------------------------------------------------------===*
 * Overrides
 *===----------------------------------------------------------------------===*/

static bool isSpace(char c) { return c == ' ' || c == '\t'; }

static void trim(const char **begin, const char **end) {
  while (*begin < *end && isSpace(**begin))
    ++*begin;
  while (*end > *begin && isSpace((*end)[-1]))
    --*end;
}

/* configKeys index of key[0..len) ('-' matches '_'), or -1. */
static int overrideKeyIndex(const char *key, size_t len) {
  for (int k = 0; k < NUM_CONFIG_KEYS; ++k) {
    const char *name = configKeys[k];
    if (strlen(name) != len)
      continue;
    size_t i = 0;
    while (i < len && (key[i] == name[i] || (key[i] == '-' && name[i] == '_')))
      ++i;
    if (i == len)
      return k;
  }
  return -1;
}

int attnTileConfigOverride(AttnTileConfig *cfg, const char *text, char *err, size_t errLen) {
  writeErr(err, errLen, "%s", "");
  if (!cfg) {
    writeErr(err, errLen, "tile config override: no config given");
    return -1;
  }
  if (!text)
    return 0;
  const char *all = text, *allEnd = text + strlen(text);
  trim(&all, &allEnd);
  if (all == allEnd)
    return 0;
  AttnTileConfig result = *cfg;
  unsigned seen = 0;
  char q1[200], q2[200];
  for (const char *item = all;;) {
    const char *itemEnd = item;
    while (itemEnd < allEnd && *itemEnd != ',')
      ++itemEnd;
    const char *b = item, *e = itemEnd;
    trim(&b, &e);
    if (b == e) {
      quoteInto(q1, sizeof q1, all, (size_t)(allEnd - all));
      writeErr(err, errLen, "tile config override '%s': empty item (expected key=value)", q1);
      return -1;
    }
    const char *eq = memchr(b, '=', (size_t)(e - b));
    if (!eq) {
      quoteInto(q1, sizeof q1, b, (size_t)(e - b));
      writeErr(err, errLen, "tile config override: expected key=value, got '%s'", q1);
      return -1;
    }
    const char *kb = b, *ke = eq, *vb = eq + 1, *ve = e;
    trim(&kb, &ke);
    trim(&vb, &ve);
    int k = overrideKeyIndex(kb, (size_t)(ke - kb));
    quoteInto(q1, sizeof q1, kb, (size_t)(ke - kb));
    if (k < 0) {
      writeErr(err, errLen,
               "tile config override: unknown key '%s' (expected block_m, block_n, num_warps, "
               "num_stages, kv_splits)",
               q1);
      return -1;
    }
    if (seen & (1u << k)) {
      writeErr(err, errLen, "tile config override: key '%s' given more than once", configKeys[k]);
      return -1;
    }
    seen |= 1u << k;
    quoteInto(q2, sizeof q2, vb, (size_t)(ve - vb));
    int64_t value = 0;
    bool valid = vb < ve;
    for (const char *c = vb; valid && c < ve; ++c) {
      if (!isDigit(*c))
        valid = false;
      else if (value <= ATTN_TILE_CONFIG_MAX_VALUE) /* saturates past the limit */
        value = value * 10 + (*c - '0');
    }
    if (!valid || value < 1 || value > ATTN_TILE_CONFIG_MAX_VALUE) {
      writeErr(err, errLen,
               "tile config override: invalid value '%s' for '%s' (expected an integer in "
               "[1, %d])",
               q2, configKeys[k], ATTN_TILE_CONFIG_MAX_VALUE);
      return -1;
    }
    *configField(&result, k) = value;
    if (itemEnd == allEnd)
      break;
    item = itemEnd + 1;
  }
  *cfg = result;
  return 0;
}

int attnTileConfigFormat(const AttnTileConfig *cfg, char *buf, size_t len) {
  return snprintf(buf, len,
                  "block_m=%lld,block_n=%lld,num_warps=%lld,num_stages=%lld,kv_splits=%lld",
                  (long long)cfg->blockM, (long long)cfg->blockN, (long long)cfg->numWarps,
                  (long long)cfg->numStages, (long long)cfg->kvSplits);
}

const char *attnDTypeName(AttnDType dtype) {
  switch (dtype) {
  case ATTN_DTYPE_F16:
    return "f16";
  case ATTN_DTYPE_BF16:
    return "bf16";
  case ATTN_DTYPE_F32:
    return "f32";
  }
  return NULL;
}
