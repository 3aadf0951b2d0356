/* open/fstat/fsync/getpid for the atomic write need POSIX; the rest is C11. */
#define _POSIX_C_SOURCE 200809L

#include "npy.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Layout constants from numpy/lib/format.py. */
static const unsigned char kMagic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
enum {
  kMagicLen = 6,
  kPreambleV1 = 10,          /* magic + version + uint16 header length */
  kPreambleV2 = 12,          /* magic + version + uint32 header length */
  kArrayAlign = 64,          /* numpy pads the header so data is 64-aligned */
  kGrowthAxisMaxDigits = 21, /* numpy leaves room to rewrite the first dim */
  kMaxDescrLen = 64,
};
/* Real headers are ~100 bytes; anything near this size is corrupt and must not
 * drive a large allocation. */
#define ATTN_NPY_MAX_HEADER_LEN ((uint32_t)1 << 20)

#if defined(__GNUC__)
#define ATTN_PRINTF(fmtIdx, argIdx) __attribute__((format(printf, fmtIdx, argIdx)))
#else
#define ATTN_PRINTF(fmtIdx, argIdx)
#endif

static void setErr(char *err, size_t errLen, const char *fmt, ...) ATTN_PRINTF(3, 4);

static void setErr(char *err, size_t errLen, const char *fmt, ...) {
  if (err == NULL || errLen == 0)
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errLen, fmt, ap);
  va_end(ap);
}

/* The on-disk data is little-endian and is copied without byte swapping. */
static bool hostIsLittleEndian(void) {
  const uint16_t one = 1;
  unsigned char first;
  memcpy(&first, &one, 1);
  return first == 1;
}

size_t attnNpyDTypeSize(AttnNpyDType dtype) {
  switch (dtype) {
  case ATTN_NPY_U8:
  case ATTN_NPY_I8:
    return 1;
  case ATTN_NPY_F16:
    return 2;
  case ATTN_NPY_F32:
  case ATTN_NPY_I32:
    return 4;
  case ATTN_NPY_F64:
  case ATTN_NPY_I64:
    return 8;
  }
  return 0;
}

const char *attnNpyDTypeName(AttnNpyDType dtype) {
  switch (dtype) {
  case ATTN_NPY_F16:
    return "<f2";
  case ATTN_NPY_F32:
    return "<f4";
  case ATTN_NPY_F64:
    return "<f8";
  case ATTN_NPY_I32:
    return "<i4";
  case ATTN_NPY_I64:
    return "<i8";
  case ATTN_NPY_U8:
    return "|u1";
  case ATTN_NPY_I8:
    return "|i1";
  }
  return "?";
}

void attnNpyArrayDestroy(AttnNpyArray *a) {
  if (a == NULL)
    return;
  free(a->data);
  memset(a, 0, sizeof *a);
}

/* Formats a shape the way Python prints a tuple, for messages and headers. */
static void formatShape(char *buf, size_t cap, int rank, const int64_t *shape) {
  size_t used = 0;
  int n = snprintf(buf, cap, "(");
  for (int i = 0; n >= 0 && (size_t)n < cap - used && i < rank; ++i) {
    used += (size_t)n;
    n = snprintf(buf + used, cap - used, i == 0 ? "%lld" : ", %lld", (long long)shape[i]);
  }
  if (n >= 0 && (size_t)n < cap - used) {
    used += (size_t)n;
    snprintf(buf + used, cap - used, rank == 1 ? ",)" : ")");
  }
}

/* Number of elements and bytes of a shape; false if either overflows. A zero
 * dimension anywhere makes the array empty even if other dims are huge. */
static bool shapeSize(int rank, const int64_t *shape, size_t itemSize, size_t *numElements,
                      size_t *numBytes) {
  for (int i = 0; i < rank; ++i) {
    if (shape[i] == 0) {
      *numElements = 0;
      *numBytes = 0;
      return true;
    }
  }
  size_t n = 1;
  for (int i = 0; i < rank; ++i) {
    uint64_t d = (uint64_t)shape[i];
    if (d > SIZE_MAX || n > SIZE_MAX / (size_t)d)
      return false;
    n *= (size_t)d;
  }
  if (n > SIZE_MAX / itemSize)
    return false;
  *numElements = n;
  *numBytes = n * itemSize;
  return true;
}

/* ---------------------------------------------------------------- reading */

typedef struct {
  AttnNpyDType dtype;
  bool fortranOrder;
  int rank;
  int64_t shape[ATTN_NPY_MAX_RANK];
} NpyHeader;

/* A cursor over the untrusted header text. All reads go through `pos < len`
 * checks; the text is not NUL-terminated by the file, so nothing relies on a
 * terminator. */
typedef struct {
  const char *text;
  size_t len;
  size_t pos;
  const char *path;
  char *err;
  size_t errLen;
} Cursor;

static bool cursorFail(Cursor *c, const char *what) {
  setErr(c->err, c->errLen, "%s: malformed npy header: %s at header offset %zu", c->path, what,
         c->pos);
  return false;
}

static bool atEnd(const Cursor *c) { return c->pos >= c->len; }

/* Returns '\0' at the end, so `peek(c) == ch` for a printable ch also means
 * "not at the end"; an embedded NUL in the header never matches anything. */
static char peek(const Cursor *c) { return atEnd(c) ? '\0' : c->text[c->pos]; }

static void skipSpace(Cursor *c) {
  while (peek(c) == ' ' || peek(c) == '\t' || peek(c) == '\n' || peek(c) == '\r')
    ++c->pos;
}

static bool expectChar(Cursor *c, char want, const char *what) {
  skipSpace(c);
  if (peek(c) != want)
    return cursorFail(c, what);
  ++c->pos;
  return true;
}

/* A Python string literal without escapes (keys and descr never need any). */
static bool parseString(Cursor *c, char *buf, size_t cap) {
  skipSpace(c);
  char quote = peek(c);
  if (quote != '\'' && quote != '"')
    return cursorFail(c, "expected a quoted string");
  ++c->pos;
  size_t n = 0;
  while (!atEnd(c) && peek(c) != quote) {
    char ch = peek(c);
    if (ch == '\n') /* a Python string literal cannot span lines */
      return cursorFail(c, "unterminated string");
    if (ch == '\\' || ch == '\0')
      return cursorFail(c, "unsupported character in string");
    if (n + 1 >= cap)
      return cursorFail(c, "string too long");
    buf[n++] = ch;
    ++c->pos;
  }
  if (atEnd(c))
    return cursorFail(c, "unterminated string");
  ++c->pos;
  buf[n] = '\0';
  return true;
}

static bool isIdentChar(char ch) {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
         ch == '_';
}

static bool matchWord(Cursor *c, const char *word) {
  size_t n = strlen(word);
  if (c->len - c->pos < n || memcmp(c->text + c->pos, word, n) != 0)
    return false;
  if (c->pos + n < c->len && isIdentChar(c->text[c->pos + n]))
    return false;
  c->pos += n;
  return true;
}

static bool parseBool(Cursor *c, bool *value) {
  skipSpace(c);
  if (matchWord(c, "True")) {
    *value = true;
    return true;
  }
  if (matchWord(c, "False")) {
    *value = false;
    return true;
  }
  return cursorFail(c, "expected True or False");
}

/* A non-negative decimal dimension. Python 2 era numpy wrote longs as "3L". */
static bool parseDim(Cursor *c, int64_t *value) {
  skipSpace(c);
  if (peek(c) < '0' || peek(c) > '9')
    return cursorFail(c, "expected a non-negative integer dimension");
  int64_t v = 0;
  while (peek(c) >= '0' && peek(c) <= '9') {
    int digit = peek(c) - '0';
    if (v > (INT64_MAX - digit) / 10)
      return cursorFail(c, "dimension overflows int64");
    v = v * 10 + digit;
    ++c->pos;
  }
  if (peek(c) == 'L' || peek(c) == 'l')
    ++c->pos;
  *value = v;
  return true;
}

/* A Python tuple of ints: "()", "(5,)", "(2, 3)", "(2, 3,)". "(5)" is an int
 * in Python, not a tuple, so it is rejected like numpy rejects it. */
static bool parseShape(Cursor *c, NpyHeader *h) {
  if (!expectChar(c, '(', "expected '(' to start the shape tuple"))
    return false;
  int count = 0;
  bool sawComma = false;
  skipSpace(c);
  while (peek(c) != ')') {
    if (atEnd(c))
      return cursorFail(c, "unterminated shape tuple");
    int64_t dim;
    if (!parseDim(c, &dim))
      return false;
    if (count < ATTN_NPY_MAX_RANK)
      h->shape[count] = dim;
    ++count;
    skipSpace(c);
    sawComma = peek(c) == ',';
    if (sawComma) {
      ++c->pos;
      skipSpace(c);
    } else if (peek(c) != ')') {
      return cursorFail(c, atEnd(c) ? "unterminated shape tuple"
                                    : "expected ',' or ')' in shape tuple");
    }
  }
  ++c->pos;
  if (count == 1 && !sawComma)
    return cursorFail(c, "shape '(N)' is not a tuple (missing trailing comma)");
  if (count > ATTN_NPY_MAX_RANK) {
    setErr(c->err, c->errLen, "%s: array rank %d exceeds the supported maximum of %d", c->path,
           count, ATTN_NPY_MAX_RANK);
    return false;
  }
  h->rank = count;
  return true;
}

static bool parseDescr(Cursor *c, NpyHeader *h) {
  skipSpace(c);
  if (peek(c) == '[') {
    setErr(c->err, c->errLen, "%s: structured dtypes are not supported", c->path);
    return false;
  }
  char descr[kMaxDescrLen];
  if (!parseString(c, descr, sizeof descr))
    return false;
  if (descr[0] == '>') {
    setErr(c->err, c->errLen, "%s: big-endian dtype '%s' is not supported", c->path, descr);
    return false;
  }
  /* '=' is native order, which is little-endian on every host we accept. */
  if ((descr[0] == '<' || descr[0] == '|' || descr[0] == '=') && strlen(descr) == 3) {
    static const struct {
      const char *code;
      AttnNpyDType dtype;
    } kCodes[] = {{"f2", ATTN_NPY_F16}, {"f4", ATTN_NPY_F32}, {"f8", ATTN_NPY_F64},
                  {"i4", ATTN_NPY_I32}, {"i8", ATTN_NPY_I64}, {"u1", ATTN_NPY_U8},
                  {"i1", ATTN_NPY_I8}};
    for (size_t i = 0; i < sizeof kCodes / sizeof kCodes[0]; ++i) {
      if (strcmp(descr + 1, kCodes[i].code) == 0) {
        h->dtype = kCodes[i].dtype;
        return true;
      }
    }
  }
  setErr(c->err, c->errLen,
         "%s: unsupported dtype '%s' (supported: <f2, <f4, <f8, <i4, <i8, |u1, |i1)", c->path,
         descr);
  return false;
}

enum { kKeyDescr = 1, kKeyFortran = 2, kKeyShape = 4 };

static bool parseEntry(Cursor *c, NpyHeader *h, unsigned *seen) {
  char key[32];
  if (!parseString(c, key, sizeof key))
    return false;
  unsigned bit = strcmp(key, "descr") == 0           ? kKeyDescr
                 : strcmp(key, "fortran_order") == 0 ? kKeyFortran
                 : strcmp(key, "shape") == 0         ? kKeyShape
                                                     : 0u;
  if (bit == 0) {
    setErr(c->err, c->errLen, "%s: malformed npy header: unexpected key '%s'", c->path, key);
    return false;
  }
  if (*seen & bit) {
    setErr(c->err, c->errLen, "%s: malformed npy header: duplicate key '%s'", c->path, key);
    return false;
  }
  *seen |= bit;
  if (!expectChar(c, ':', "expected ':' after key"))
    return false;
  if (bit == kKeyDescr)
    return parseDescr(c, h);
  if (bit == kKeyFortran)
    return parseBool(c, &h->fortranOrder);
  return parseShape(c, h);
}

/* The header is a Python dict literal with exactly the keys descr,
 * fortran_order and shape, in any order, followed by padding whitespace. */
static bool parseHeader(Cursor *c, NpyHeader *h) {
  if (!expectChar(c, '{', "expected '{'"))
    return false;
  unsigned seen = 0;
  skipSpace(c);
  while (peek(c) != '}') {
    if (atEnd(c))
      return cursorFail(c, "unterminated dict");
    if (!parseEntry(c, h, &seen))
      return false;
    skipSpace(c);
    if (peek(c) == ',') {
      ++c->pos;
      skipSpace(c);
    } else if (peek(c) != '}') {
      return cursorFail(c, atEnd(c) ? "unterminated dict" : "expected ',' or '}' after a value");
    }
  }
  ++c->pos;
  skipSpace(c);
  if (!atEnd(c))
    return cursorFail(c, "unexpected text after the dict");
  if (seen != (kKeyDescr | kKeyFortran | kKeyShape)) {
    setErr(c->err, c->errLen, "%s: malformed npy header: missing key '%s'", c->path,
           !(seen & kKeyDescr)     ? "descr"
           : !(seen & kKeyFortran) ? "fortran_order"
                                   : "shape");
    return false;
  }
  return true;
}

static bool readExact(FILE *f, void *buf, size_t n) { return fread(buf, 1, n, f) == n; }

/* Reads and checks magic, version and header length; on success *headerLen is
 * known to fit in the file after the preamble. */
static bool readPreamble(FILE *f, const char *path, uint64_t fileSize, uint32_t *headerLen,
                         uint64_t *preambleLen, char *err, size_t errLen) {
  unsigned char pre[kPreambleV2];
  if (fileSize < kPreambleV1 || !readExact(f, pre, kPreambleV1)) {
    setErr(err, errLen, "%s: truncated file (%llu bytes) is shorter than the npy preamble", path,
           (unsigned long long)fileSize);
    return false;
  }
  if (memcmp(pre, kMagic, kMagicLen) != 0) {
    setErr(err, errLen, "%s: bad magic, not a .npy file", path);
    return false;
  }
  unsigned major = pre[6], minor = pre[7];
  if (major < 1 || major > 3 || minor != 0) {
    setErr(err, errLen, "%s: unsupported .npy format version %u.%u (supported: 1.0, 2.0, 3.0)",
           path, major, minor);
    return false;
  }
  if (major == 1) {
    *preambleLen = kPreambleV1;
    *headerLen = (uint32_t)pre[8] | (uint32_t)pre[9] << 8;
  } else {
    if (fileSize < kPreambleV2 || !readExact(f, pre + kPreambleV1, 2)) {
      setErr(err, errLen, "%s: truncated file is shorter than the npy %u.0 preamble", path, major);
      return false;
    }
    *preambleLen = kPreambleV2;
    *headerLen = (uint32_t)pre[8] | (uint32_t)pre[9] << 8 | (uint32_t)pre[10] << 16 |
                 (uint32_t)pre[11] << 24;
  }
  if (*headerLen > fileSize - *preambleLen) {
    setErr(err, errLen, "%s: header length %u runs past the end of the file (%llu bytes left)",
           path, (unsigned)*headerLen, (unsigned long long)(fileSize - *preambleLen));
    return false;
  }
  if (*headerLen > ATTN_NPY_MAX_HEADER_LEN) {
    setErr(err, errLen, "%s: header length %u is implausibly large", path, (unsigned)*headerLen);
    return false;
  }
  return true;
}

static bool readHeader(FILE *f, const char *path, uint32_t headerLen, NpyHeader *h, char *err,
                       size_t errLen) {
  char *text = malloc(headerLen ? headerLen : 1);
  if (text == NULL) {
    setErr(err, errLen, "%s: out of memory reading the header", path);
    return false;
  }
  bool ok = readExact(f, text, headerLen);
  if (!ok) {
    setErr(err, errLen, "%s: read error in the header", path);
  } else {
    Cursor c = {text, headerLen, 0, path, err, errLen};
    ok = parseHeader(&c, h);
  }
  free(text);
  if (ok && h->fortranOrder) {
    setErr(err, errLen, "%s: fortran_order True arrays are not supported", path);
    ok = false;
  }
  return ok;
}

static int readStream(FILE *f, const char *path, AttnNpyArray *out, char *err, size_t errLen) {
  struct stat st;
  if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
    setErr(err, errLen, "%s: not a regular file", path);
    return 1;
  }
  uint64_t fileSize = (uint64_t)st.st_size;
  uint32_t headerLen;
  uint64_t preambleLen;
  if (!readPreamble(f, path, fileSize, &headerLen, &preambleLen, err, errLen))
    return 1;
  NpyHeader h;
  memset(&h, 0, sizeof h);
  if (!readHeader(f, path, headerLen, &h, err, errLen))
    return 1;

  char shapeText[256];
  formatShape(shapeText, sizeof shapeText, h.rank, h.shape);
  size_t numElements, numBytes;
  if (!shapeSize(h.rank, h.shape, attnNpyDTypeSize(h.dtype), &numElements, &numBytes)) {
    setErr(err, errLen, "%s: shape %s has more elements than can be addressed", path, shapeText);
    return 1;
  }
  /* Check against the file size before allocating, so a corrupt shape cannot
   * request a huge buffer. Trailing bytes are allowed (numpy ignores them and
   * appending several arrays to one file is a documented numpy idiom). */
  uint64_t remaining = fileSize - preambleLen - headerLen;
  if ((uint64_t)numBytes > remaining) {
    setErr(err, errLen,
           "%s: truncated data: shape %s of %s needs %zu bytes but only %llu remain after the "
           "header",
           path, shapeText, attnNpyDTypeName(h.dtype), numBytes, (unsigned long long)remaining);
    return 1;
  }
  void *data = malloc(numBytes ? numBytes : 1);
  if (data == NULL) {
    setErr(err, errLen, "%s: out of memory for %zu bytes of data", path, numBytes);
    return 1;
  }
  if (!readExact(f, data, numBytes)) {
    setErr(err, errLen, "%s: read error in the data", path);
    free(data);
    return 1;
  }
  out->dtype = h.dtype;
  out->rank = h.rank;
  memcpy(out->shape, h.shape, sizeof h.shape);
  out->data = data;
  out->numElements = numElements;
  return 0;
}

int attnNpyRead(const char *path, AttnNpyArray *out, char *err, size_t errLen) {
  if (out != NULL)
    memset(out, 0, sizeof *out);
  if (path == NULL || out == NULL) {
    setErr(err, errLen, "attnNpyRead: NULL path or output");
    return 1;
  }
  if (!hostIsLittleEndian()) {
    setErr(err, errLen, "%s: .npy support requires a little-endian host", path);
    return 1;
  }
  /* O_NONBLOCK: opening a FIFO for reading would otherwise block until a
   * writer appears (a hang before readStream's regular-file check). */
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    setErr(err, errLen, "%s: cannot open: %s", path, strerror(errno));
    return 1;
  }
  FILE *f = fdopen(fd, "rb");
  if (f == NULL) {
    setErr(err, errLen, "%s: cannot open: %s", path, strerror(errno));
    close(fd);
    return 1;
  }
  int rc = readStream(f, path, out, err, errLen);
  fclose(f);
  return rc;
}

/* ---------------------------------------------------------------- writing */

/* Builds the complete header (preamble included) exactly as numpy.save
 * (format.py _write_array_header + _wrap_header) does for version 1.0.
 * Returns its length, or 0 if it does not fit in `cap`. */
static size_t buildHeader(char *buf, size_t cap, AttnNpyDType dtype, int rank,
                          const int64_t *shape) {
  char shapeText[256];
  formatShape(shapeText, sizeof shapeText, rank, shape);
  char dict[512];
  int n = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': %s, }",
                   attnNpyDTypeName(dtype), shapeText);
  if (n < 0 || (size_t)n >= sizeof dict)
    return 0;
  size_t dictLen = (size_t)n;
  /* numpy reserves room so the first dimension can later grow in place. */
  if (rank > 0) {
    int digits = snprintf(NULL, 0, "%lld", (long long)shape[0]);
    for (int i = digits; i < kGrowthAxisMaxDigits && dictLen + 1 < sizeof dict; ++i)
      dict[dictLen++] = ' ';
  }
  size_t padLen = kArrayAlign - ((kPreambleV1 + dictLen + 1) % kArrayAlign);
  size_t headerLen = dictLen + padLen + 1;
  size_t total = kPreambleV1 + headerLen;
  if (total > cap || headerLen > 0xffffu)
    return 0;
  memcpy(buf, kMagic, kMagicLen);
  buf[6] = 1;
  buf[7] = 0;
  buf[8] = (char)(headerLen & 0xffu);
  buf[9] = (char)(headerLen >> 8);
  memcpy(buf + kPreambleV1, dict, dictLen);
  memset(buf + kPreambleV1 + dictLen, ' ', padLen);
  buf[total - 1] = '\n';
  return total;
}

/* Creates "<path>.tmp.<pid>.<n>" exclusively. Same directory as `path` so the
 * final rename stays on one filesystem and is atomic; open() with mode 0666
 * lets the umask decide permissions as it would for numpy. */
static FILE *openTemp(const char *path, char *tmpPath, size_t cap, char *err, size_t errLen) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    snprintf(tmpPath, cap, "%s.tmp.%ld.%d", path, (long)getpid(), attempt);
    int fd = open(tmpPath, O_WRONLY | O_CREAT | O_EXCL, 0666);
    if (fd >= 0) {
      FILE *f = fdopen(fd, "wb");
      if (f == NULL) {
        setErr(err, errLen, "%s: cannot open temporary file: %s", tmpPath, strerror(errno));
        close(fd);
        remove(tmpPath);
      }
      return f;
    }
    if (errno != EEXIST) {
      setErr(err, errLen, "%s: cannot create temporary file: %s", tmpPath, strerror(errno));
      return NULL;
    }
  }
  setErr(err, errLen, "%s: cannot create a unique temporary file", path);
  return NULL;
}

/* Writes header and data to the open temp file and closes it; fsync first so a
 * crash after the rename cannot leave a renamed but empty file. */
static bool writeAndClose(FILE *f, const char *tmpPath, const char *header, size_t headerLen,
                          const void *data, size_t numBytes, char *err, size_t errLen) {
  bool ok = fwrite(header, 1, headerLen, f) == headerLen &&
            (numBytes == 0 || fwrite(data, 1, numBytes, f) == numBytes) && fflush(f) == 0 &&
            fsync(fileno(f)) == 0;
  int savedErrno = errno;
  if (fclose(f) != 0 && ok) {
    ok = false;
    savedErrno = errno;
  }
  if (!ok)
    setErr(err, errLen, "%s: write failed: %s", tmpPath, strerror(savedErrno));
  return ok;
}

/* Whether `path` is a new name or a regular file, which a temporary file can
 * replace by rename. Anything else (/dev/null, a FIFO, a symlink) is written
 * in place: renaming over it would swap the device or link for a file. */
static bool isReplaceable(const char *path) {
  struct stat st;
  return lstat(path, &st) != 0 ? errno == ENOENT : S_ISREG(st.st_mode);
}

static int writeInPlace(const char *path, const char *header, size_t headerLen, const void *data,
                        size_t numBytes, char *err, size_t errLen) {
  FILE *f = fopen(path, "wb");
  if (f == NULL) {
    setErr(err, errLen, "%s: cannot open for writing: %s", path, strerror(errno));
    return 1;
  }
  bool ok = fwrite(header, 1, headerLen, f) == headerLen &&
            (numBytes == 0 || fwrite(data, 1, numBytes, f) == numBytes);
  int savedErrno = errno;
  if (fclose(f) != 0 && ok) {
    ok = false;
    savedErrno = errno;
  }
  if (!ok)
    setErr(err, errLen, "%s: write failed: %s", path, strerror(savedErrno));
  return ok ? 0 : 1;
}

static bool validateWrite(const char *path, AttnNpyDType dtype, int rank, const int64_t *shape,
                          const void *data, size_t *numBytes, char *err, size_t errLen) {
  if (path == NULL) {
    setErr(err, errLen, "attnNpyWrite: NULL path");
    return false;
  }
  if (!hostIsLittleEndian()) {
    setErr(err, errLen, "%s: .npy support requires a little-endian host", path);
    return false;
  }
  if (attnNpyDTypeSize(dtype) == 0) {
    setErr(err, errLen, "%s: invalid dtype %d", path, (int)dtype);
    return false;
  }
  if (rank < 0 || rank > ATTN_NPY_MAX_RANK || (rank > 0 && shape == NULL)) {
    setErr(err, errLen, "%s: invalid rank %d (must be 0..%d with a shape)", path, rank,
           ATTN_NPY_MAX_RANK);
    return false;
  }
  for (int i = 0; i < rank; ++i) {
    if (shape[i] < 0) {
      setErr(err, errLen, "%s: negative dimension %lld at index %d", path, (long long)shape[i], i);
      return false;
    }
  }
  size_t numElements;
  if (!shapeSize(rank, shape, attnNpyDTypeSize(dtype), &numElements, numBytes)) {
    setErr(err, errLen, "%s: shape has more elements than can be addressed", path);
    return false;
  }
  if (*numBytes > 0 && data == NULL) {
    setErr(err, errLen, "%s: NULL data for a non-empty array", path);
    return false;
  }
  return true;
}

int attnNpyWrite(const char *path, AttnNpyDType dtype, int rank, const int64_t *shape,
                 const void *data, char *err, size_t errLen) {
  size_t numBytes;
  if (!validateWrite(path, dtype, rank, shape, data, &numBytes, err, errLen))
    return 1;
  char header[1024];
  size_t headerLen = buildHeader(header, sizeof header, dtype, rank, shape);
  if (headerLen == 0) {
    setErr(err, errLen, "%s: internal error: header does not fit", path);
    return 1;
  }
  size_t cap = strlen(path) + 64;
  char *tmpPath = malloc(cap);
  if (tmpPath == NULL) {
    setErr(err, errLen, "%s: out of memory", path);
    return 1;
  }
  int rc = 1;
  if (!isReplaceable(path)) {
    free(tmpPath);
    return writeInPlace(path, header, headerLen, data, numBytes, err, errLen);
  }
  FILE *f = openTemp(path, tmpPath, cap, err, errLen);
  if (f != NULL) {
    if (!writeAndClose(f, tmpPath, header, headerLen, data, numBytes, err, errLen)) {
      remove(tmpPath);
    } else if (rename(tmpPath, path) != 0) {
      setErr(err, errLen, "%s: cannot rename temporary file into place: %s", path, strerror(errno));
      remove(tmpPath);
    } else {
      rc = 0;
    }
  }
  free(tmpPath);
  return rc;
}
