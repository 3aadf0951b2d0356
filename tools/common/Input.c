/*===- Input.c - reading tool inputs and splitting them -------------------===*/

#include "Input.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Reads all of `f`; returns NULL with errno set on failure. */
static char *readStream(FILE *f, size_t *length) {
  size_t cap = 1 << 16, len = 0;
  char *data = malloc(cap);
  while (data) {
    if (len + 1 == cap) {
      char *grown = realloc(data, cap * 2);
      if (!grown) {
        errno = ENOMEM;
        break;
      }
      data = grown;
      cap *= 2;
    }
    size_t n = fread(data + len, 1, cap - 1 - len, f);
    len += n;
    if (n > 0)
      continue;
    if (!ferror(f)) {
      data[len] = '\0';
      *length = len;
      return data;
    }
    break; /* fread left the reason (EISDIR for a directory) in errno */
  }
  int saved = data ? errno : ENOMEM; /* malloc need not set errno in C11 */
  free(data);
  errno = saved;
  return NULL;
}

char *attnReadInput(const char *tool, const char *path, size_t *length, FILE *err) {
  const char *prefix = tool ? tool : "", *separator = tool ? ": " : "";
  bool isStdin = strcmp(path, "-") == 0;
  FILE *f = isStdin ? stdin : fopen(path, "rb");
  if (!f) {
    fprintf(err, "%s%serror: cannot open '%s': %s\n", prefix, separator, path, strerror(errno));
    return NULL;
  }
  char *data = readStream(f, length);
  int reason = errno;
  if (!isStdin)
    fclose(f);
  if (!data)
    fprintf(err, "%s%serror: cannot read '%s': %s\n", prefix, separator, path, strerror(reason));
  return data;
}

static bool isSeparator(const char *line, const char *end) {
  static const char marker[] = "// -----";
  size_t n = sizeof(marker) - 1;
  return (size_t)(end - line) >= n && memcmp(line, marker, n) == 0;
}

size_t attnSplitInput(const char *text, size_t length, bool split, AttnChunk **chunks) {
  size_t cap = 4, count = 0;
  AttnChunk *out = malloc(cap * sizeof(*out));
  if (!out)
    return 0;
  const char *end = text + length, *start = text;
  unsigned line = 1, startLine = 1;
  for (const char *p = text; split && p < end; ++line) {
    const char *eol = memchr(p, '\n', (size_t)(end - p));
    const char *next = eol ? eol + 1 : end;
    if (isSeparator(p, eol ? eol : end)) {
      if (count + 1 >= cap) {
        AttnChunk *grown = realloc(out, 2 * cap * sizeof(*out));
        if (!grown) {
          free(out);
          return 0;
        }
        out = grown;
        cap *= 2;
      }
      out[count++] = (AttnChunk){start, (size_t)(p - start), startLine};
      start = next;
      startLine = line + 1;
    }
    p = next;
  }
  out[count++] = (AttnChunk){start, (size_t)(end - start), startLine};
  *chunks = out;
  return count;
}

char *attnPadChunk(const AttnChunk *chunk, size_t *paddedLength) {
  size_t pad = chunk->firstLine - 1;
  char *out = malloc(pad + chunk->length + 1);
  if (!out)
    return NULL;
  memset(out, '\n', pad);
  memcpy(out + pad, chunk->text, chunk->length);
  out[pad + chunk->length] = '\0';
  *paddedLength = pad + chunk->length;
  return out;
}

/*===--- Screening sources before MLIR parses them -------------------------===*/

/* MLIR's parser, printer and attribute/type walks recurse once per nesting
 * level, so deeply nested text exhausts the stack (a segfault) long before
 * any size limit: 10000 nested `[` or `module {`, 10000 unary minus signs in
 * an affine expression, or 100000 aliases each wrapping the previous one.
 * Like clang's -fbracket-depth, the tools refuse such input with a located
 * error. Nesting counts open brackets of any kind, the current run of minus
 * signs, and for an alias reference the nesting of the alias's definition.
 *
 * Aliases also multiply size: `!t1 = tuple<!t0, !t0>`, `!t2 = tuple<!t1,
 * !t1>`, ... is 2^N types deep inside when printed (the printer expands
 * builtin types), so 40 lines of input make attn-opt print for hours. The
 * text that alias references expand to is bounded too. */

#define ATTN_MAX_EXPANSION ((uint64_t)256 << 20)

/* `%name#N` names result N of `%name`. Before the definition is parsed,
 * MLIR's parser resizes a table to N + 1 entries: 1.6 GB for N = 10^8, an
 * out-of-memory abort for 2^31, and for N = 2^32 - 1 the size wraps to 0 and
 * the parser writes out of bounds. No op has a million results. */
#define ATTN_MAX_RESULT_NUMBER 1048575u

/* Alias names already defined, with the nesting and the size their
 * expansion adds. Open addressing on a 64-bit hash of the name; a collision
 * can only misjudge one alias. */
typedef struct {
  uint64_t key; /* 0 = empty slot */
  uint64_t size;
  unsigned depth;
} AliasSlot;

typedef struct {
  AliasSlot *slots;
  size_t count, capacity; /* capacity: 0 or a power of two */
} AliasTable;

static AliasSlot *aliasFind(const AliasTable *t, uint64_t key) {
  if (!t->capacity)
    return NULL;
  for (size_t i = key & (t->capacity - 1);; i = (i + 1) & (t->capacity - 1))
    if (t->slots[i].key == key || t->slots[i].key == 0)
      return &t->slots[i];
}

/* Best effort: without memory the alias is simply not tracked. */
static void aliasDefine(AliasTable *t, AliasSlot alias) {
  if (2 * (t->count + 1) > t->capacity) {
    size_t cap = t->capacity ? 2 * t->capacity : 64;
    AliasSlot *slots = calloc(cap, sizeof(*slots));
    if (!slots)
      return;
    AliasTable grown = {slots, t->count, cap};
    for (size_t i = 0; i < t->capacity; ++i)
      if (t->slots[i].key)
        *aliasFind(&grown, t->slots[i].key) = t->slots[i];
    free(t->slots);
    *t = grown;
  }
  AliasSlot *slot = aliasFind(t, alias.key);
  if (slot->key == 0)
    ++t->count;
  *slot = alias;
}

static bool isIdStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool isIdChar(char c) {
  return isIdStart(c) || (c >= '0' && c <= '9') || c == '$' || c == '.';
}

/* FNV-1a of an alias name (with its `#` or `!`), never 0. */
static uint64_t aliasKey(const char *name, size_t length) {
  uint64_t h = 14695981039346656037ull;
  for (size_t i = 0; i < length; ++i)
    h = (h ^ (unsigned char)name[i]) * 1099511628211ull;
  return h | 1;
}

/* The first index from i on that is not a blank (or length). */
static size_t skipBlanks(const char *text, size_t i, size_t length) {
  while (i < length && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r'))
    ++i;
  return i;
}

/* Whether text[i..] is `array<index` (blanks allowed around `<`) followed by
 * a non-identifier character: a dense array of index elements. MLIR 22's
 * parser asks such an array for its element's float width and segfaults
 * (found by test/fuzz/fuzz-campaign.py: an `operandSegmentSizes` array whose
 * i32 had been mutated to index); no attn input needs one. */
static bool isIndexArray(const char *text, size_t i, size_t length) {
  static const char array[] = "array", index[] = "index";
  if (i > 0 && isIdChar(text[i - 1]))
    return false;
  if (length - i < sizeof(array) - 1 || memcmp(text + i, array, sizeof(array) - 1) != 0)
    return false;
  i = skipBlanks(text, i + sizeof(array) - 1, length);
  if (i == length || text[i] != '<')
    return false;
  i = skipBlanks(text, i + 1, length);
  if (length - i < sizeof(index) - 1 || memcmp(text + i, index, sizeof(index) - 1) != 0)
    return false;
  i += sizeof(index) - 1;
  return i == length || !isIdChar(text[i]);
}

static uint64_t addSaturated(uint64_t a, uint64_t b) { return a + b < a ? UINT64_MAX : a + b; }

static void locate(const char *text, size_t offset, unsigned firstLine, unsigned *line,
                   unsigned *column) {
  unsigned l = firstLine;
  size_t lineStart = 0;
  for (size_t i = 0; i < offset; ++i)
    if (text[i] == '\n') {
      ++l;
      lineStart = i + 1;
    }
  *line = l;
  *column = (unsigned)(offset - lineStart + 1);
}

bool attnIsBytecode(const char *text, size_t length) {
  static const char magic[4] = {'M', 'L', (char)0xEF, 'R'};
  return length >= sizeof(magic) && memcmp(text, magic, sizeof(magic)) == 0;
}

const char *attnCheckSource(const char *text, size_t length, unsigned firstLine, unsigned *line,
                            unsigned *column) {
  /* MLIR 22's bytecode reader crashes on malformed bytecode: attn-opt reads
   * bytecode in a child process, and nothing else may hand it to MLIR. */
  if (attnIsBytecode(text, length)) {
    *line = firstLine;
    *column = 1;
    return "MLIR bytecode is not accepted here; use the textual form";
  }

  _Static_assert(ATTN_MAX_NESTING == 512, "keep the message in sync");
  static const char tooDeep[] = "nesting deeper than 512 levels (brackets, unary minus signs "
                                "and aliases) is not supported";
  static const char tooLarge[] = "aliases that expand to more than 256 MiB are not supported";
  _Static_assert(ATTN_MAX_RESULT_NUMBER == 1048575u, "keep the message in sync");
  static const char resultTooLarge[] = "result numbers above 1048575 are not supported";
  static const char indexArray[] = "dense arrays of index elements (array<index: ...>) are not "
                                   "supported; use array<i64: ...>";
  char closers[ATTN_MAX_NESTING]; /* the closing bracket of each open one */
  size_t depth = 0;
  unsigned minusRun = 0; /* unary minus signs in a row: each one recurses */
  AliasTable aliases = {NULL, 0, 0};
  bool lineStart = true;         /* only whitespace so far on this line */
  bool inAlias = false;          /* inside the body of an alias definition */
  AliasSlot defined = {0, 0, 0}; /* the alias being defined */
  uint64_t expansion = 0;        /* text added by alias references */
  const char *why = NULL;
  size_t at = 0;
  for (size_t i = 0; i < length && !why; ++i) {
    char c = text[i];
    if (c == '\n' || c == ' ' || c == '\t' || c == '\r') {
      if (c == '\n') {
        if (inAlias && depth == 0) { /* the definition ends with its line */
          aliasDefine(&aliases, defined);
          inAlias = false;
        }
        lineStart = true;
      }
      continue;
    }
    if (c == '/' && i + 1 < length && text[i + 1] == '/') {
      while (i + 1 < length && text[i + 1] != '\n')
        ++i;
      continue;
    }
    size_t token = i;
    unsigned nesting = 0; /* of this token, beyond the open brackets */
    uint64_t size = 1;    /* of this token, aliases expanded */
    if (c == '"') {       /* a string literal ends at '"' or, unterminated, at the line */
      while (i + 1 < length && text[i + 1] != '"' && text[i + 1] != '\n')
        i += text[i + 1] == '\\' && i + 2 < length && text[i + 2] != '\n' ? 2 : 1;
      if (i + 1 < length && text[i + 1] == '"')
        ++i; /* the closing quote (a newline is left to the loop) */
      size = i - token + 1;
      minusRun = 0;
    } else if (c == '-' && i + 1 < length && text[i + 1] == '>') {
      ++i; /* the arrow of a function type or an affine map */
      minusRun = 0;
    } else if (c == '-') {
      nesting = ++minusRun;
    } else if ((c == '#' || c == '!') && i + 1 < length && isIdStart(text[i + 1])) {
      size_t end = i + 1;
      while (end < length && isIdChar(text[end]))
        ++end;
      uint64_t key = aliasKey(text + i, end - i);
      size_t next = end;
      while (next < length && (text[next] == ' ' || text[next] == '\t'))
        ++next;
      if (lineStart && depth == 0 && !inAlias && next < length && text[next] == '=') {
        inAlias = true; /* `#name = ...` or `!name = ...` */
        defined = (AliasSlot){key, 0, 0};
        end = next + 1;
        size = 0;
      } else {
        const AliasSlot *slot = aliasFind(&aliases, key);
        bool known = slot && slot->key == key;
        nesting = known ? slot->depth : 0;
        size = known ? slot->size : end - i;
        if (known && !inAlias && (expansion = addSaturated(expansion, size)) > ATTN_MAX_EXPANSION)
          why = tooLarge;
      }
      i = end - 1;
      minusRun = 0;
    } else if (c == '%') { /* a value use, maybe `%name#N` */
      size_t end = i + 1;
      while (end < length && (isIdChar(text[end]) || text[end] == '-'))
        ++end;
      if (end + 1 < length && text[end] == '#' && text[end + 1] >= '0' && text[end + 1] <= '9') {
        uint64_t number = 0;
        for (++end; end < length && text[end] >= '0' && text[end] <= '9'; ++end)
          if ((number = number * 10 + (uint64_t)(text[end] - '0')) > ATTN_MAX_RESULT_NUMBER)
            number = ATTN_MAX_RESULT_NUMBER + 1; /* and stays there */
        if (number > ATTN_MAX_RESULT_NUMBER)
          why = resultTooLarge;
      }
      size = end - i;
      i = end - 1;
      minusRun = 0;
    } else if (c == 'a' && isIndexArray(text, i, length)) {
      why = indexArray;
      minusRun = 0;
    } else if (c == '(' || c == '[' || c == '{' || c == '<') {
      if (depth == ATTN_MAX_NESTING) {
        why = tooDeep;
        at = token;
        break;
      }
      closers[depth++] = c == '(' ? ')' : c == '[' ? ']' : c == '{' ? '}' : '>';
      minusRun = 0;
    } else {
      /* A closer that does not match (`>` of `>=`, or a syntax error the
       * parser reports) leaves the nesting as it is. */
      if (depth > 0 && closers[depth - 1] == c)
        --depth;
      minusRun = 0;
    }
    lineStart = false;
    if (depth + nesting > ATTN_MAX_NESTING)
      why = tooDeep;
    if (inAlias) {
      if (depth + nesting > defined.depth)
        defined.depth = (unsigned)(depth + nesting);
      if ((defined.size = addSaturated(defined.size, size)) > ATTN_MAX_EXPANSION)
        why = tooLarge;
    }
    if (why)
      at = token;
  }
  free(aliases.slots);
  if (why)
    locate(text, at, firstLine, line, column);
  return why;
}
