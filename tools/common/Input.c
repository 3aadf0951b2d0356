/*===- Input.c - reading tool inputs and splitting them -------------------===*/

#include "Input.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

char *attnReadFile(const char *path, size_t *length, FILE *err) {
  bool isStdin = strcmp(path, "-") == 0;
  FILE *f = isStdin ? stdin : fopen(path, "rb");
  if (!f) {
    fprintf(err, "error: cannot open '%s': %s\n", path, strerror(errno));
    return NULL;
  }
  size_t cap = 1 << 16, len = 0;
  char *data = malloc(cap);
  while (data) {
    if (len + 1 == cap) {
      char *grown = realloc(data, cap * 2);
      if (!grown) {
        free(data);
        data = NULL;
        break;
      }
      data = grown;
      cap *= 2;
    }
    size_t n = fread(data + len, 1, cap - 1 - len, f);
    len += n;
    if (n == 0)
      break;
  }
  bool readError = ferror(f);
  if (!isStdin)
    fclose(f);
  if (!data || readError) {
    fprintf(err, "error: cannot read '%s'%s\n", path, data ? "" : ": out of memory");
    free(data);
    return NULL;
  }
  data[len] = '\0';
  *length = len;
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
