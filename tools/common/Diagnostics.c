/*===- Diagnostics.c - located diagnostics for the attnc tools ------------===*/

#include "Diagnostics.h"
#include "Location.h"

#include <stdlib.h>
#include <string.h>

static const char *severityName(MlirDiagnosticSeverity s) {
  switch (s) {
  case MlirDiagnosticError:
    return "error";
  case MlirDiagnosticWarning:
    return "warning";
  case MlirDiagnosticNote:
    return "note";
  case MlirDiagnosticRemark:
    return "remark";
  }
  return "error";
}

/* A growable string for the C API's print callbacks. */
typedef struct {
  char *data;
  size_t length, capacity;
  size_t limit; /* 0, or the length past which text is replaced by "..." */
  bool cut;
} Buffer;

static void appendRaw(Buffer *b, const char *data, size_t length) {
  if (b->length + length + 1 > b->capacity) {
    size_t cap = 2 * (b->length + length + 1);
    char *grown = realloc(b->data, cap);
    if (!grown)
      return; /* drop the text rather than crash; the diagnostic stays */
    b->data = grown;
    b->capacity = cap;
  }
  memcpy(b->data + b->length, data, length);
  b->length += length;
  b->data[b->length] = '\0';
}

static void append(MlirStringRef part, void *userData) {
  Buffer *b = userData;
  if (b->cut)
    return;
  if (b->limit && b->length + part.length > b->limit) {
    appendRaw(b, part.data, b->limit - b->length);
    appendRaw(b, "...", 3);
    b->cut = true;
    return;
  }
  appendRaw(b, part.data, part.length);
}

static char *copyString(MlirStringRef s) {
  char *out = malloc(s.length + 1);
  if (out) {
    memcpy(out, s.data, s.length);
    out[s.length] = '\0';
  }
  return out;
}

/* Parsing from a string leaves the file name empty; the tools know it. */
static MlirStringRef fileOr(MlirStringRef file, const char *fallback) {
  bool placeholder = file.length == 0 || (file.length == 1 && file.data[0] == '-');
  if (placeholder && fallback)
    return mlirStringRefCreateFromCString(fallback);
  return file;
}

/* Appends a file name on one line and within reason: MLIR names the buffer
 * of an attribute it parses from a string (textual attributes in bytecode,
 * for one) after the attribute text itself, newlines included. */
static void appendFileName(Buffer *b, MlirStringRef file) {
  size_t n = file.length > 256 ? 256 : file.length;
  for (size_t i = 0; i < n; ++i) {
    unsigned char c = (unsigned char)file.data[i];
    char escaped[8];
    if (c >= 0x20 && c != 0x7f)
      appendRaw(b, file.data + i, 1);
    else
      appendRaw(b, escaped, (size_t)snprintf(escaped, sizeof(escaped), "\\x%02x", c));
  }
  if (n < file.length)
    appendRaw(b, "...", 3);
}

/* Appends a location as file:line:col, else in MLIR syntax cut at 1000
 * characters (printed in full, a fused location can be exponentially long). */
static void appendLocation(Buffer *b, MlirLocation loc, const char *fileName) {
  MlirStringRef file;
  unsigned line, col;
  if (attnFindFileLoc(loc, &file, &line, &col)) {
    char numbers[32];
    snprintf(numbers, sizeof(numbers), ":%u:%u", line, col);
    appendFileName(b, fileOr(file, fileName));
    append(mlirStringRefCreateFromCString(numbers), b);
    return;
  }
  Buffer text = {NULL, 0, 0, 1000, false};
  mlirLocationPrint(loc, append, &text);
  if (text.data)
    appendRaw(b, text.data, text.length);
  free(text.data);
}

void attnPrintLocation(MlirLocation loc, const char *fileName, FILE *out) {
  Buffer b = {NULL, 0, 0, 0, false};
  appendLocation(&b, loc, fileName);
  if (b.data)
    fputs(b.data, out);
  free(b.data);
}

static void record(AttnDiagEngine *e, MlirDiagnostic diag) {
  if (e->count == e->capacity) {
    size_t cap = e->capacity ? 2 * e->capacity : 16;
    AttnDiag *grown = realloc(e->items, cap * sizeof(*grown));
    if (!grown)
      return;
    e->items = grown;
    e->capacity = cap;
  }
  AttnDiag *d = &e->items[e->count++];
  memset(d, 0, sizeof(*d));
  d->severity = mlirDiagnosticGetSeverity(diag);
  MlirStringRef file;
  if (attnFindFileLoc(mlirDiagnosticGetLocation(diag), &file, &d->line, &d->column))
    d->file = copyString(fileOr(file, e->fileName));
  Buffer message = {NULL, 0, 0, 0, false};
  mlirDiagnosticPrint(diag, append, &message);
  d->message = message.data ? message.data : copyString(mlirStringRefCreateFromCString(""));
}

/* The diagnostic is assembled first and written at once: stderr is
 * unbuffered, and MLIR prints an op or a type in many small pieces. */
static void print(AttnDiagEngine *e, MlirDiagnostic diag) {
  Buffer b = {NULL, 0, 0, 0, false};
  appendLocation(&b, mlirDiagnosticGetLocation(diag), e->fileName);
  append(mlirStringRefCreateFromCString(": "), &b);
  append(mlirStringRefCreateFromCString(severityName(mlirDiagnosticGetSeverity(diag))), &b);
  append(mlirStringRefCreateFromCString(": "), &b);
  mlirDiagnosticPrint(diag, append, &b);
  append(mlirStringRefCreateFromCString("\n"), &b);
  if (b.data)
    fwrite(b.data, 1, b.length, e->stream);
  free(b.data);
}

/* MLIR attaches "see current operation: <op>" to op diagnostics unless
 * MLIRContext::printOpOnDiagnostic is off, as mlir-opt turns it off under
 * --verify-diagnostics. The C API cannot turn it off, so when collecting for
 * verification the note is dropped here instead of counting as unexpected. */
static bool isCurrentOpNote(MlirDiagnostic diag) {
  static const char prefix[] = "see current operation:";
  if (mlirDiagnosticGetSeverity(diag) != MlirDiagnosticNote)
    return false;
  Buffer message = {NULL, 0, 0, 0, false};
  mlirDiagnosticPrint(diag, append, &message);
  bool match = message.data && strncmp(message.data, prefix, sizeof(prefix) - 1) == 0;
  free(message.data);
  return match;
}

static void handleOne(AttnDiagEngine *e, MlirDiagnostic diag) {
  if (mlirDiagnosticGetSeverity(diag) == MlirDiagnosticError)
    ++e->numErrors;
  if (e->collect && isCurrentOpNote(diag))
    return;
  if (e->collect)
    record(e, diag);
  else
    print(e, diag);
  for (intptr_t i = 0; i < mlirDiagnosticGetNumNotes(diag); ++i)
    handleOne(e, mlirDiagnosticGetNote(diag, i));
}

static MlirLogicalResult handler(MlirDiagnostic diag, void *userData) {
  handleOne(userData, diag);
  return mlirLogicalResultSuccess();
}

MlirDiagnosticHandlerID attnDiagAttach(MlirContext ctx, AttnDiagEngine *engine) {
  return mlirContextAttachDiagnosticHandler(ctx, handler, engine, NULL);
}

void attnDiagClear(AttnDiagEngine *engine) {
  for (size_t i = 0; i < engine->count; ++i) {
    free(engine->items[i].file);
    free(engine->items[i].message);
  }
  free(engine->items);
  engine->items = NULL;
  engine->count = engine->capacity = 0;
  engine->numErrors = 0;
}

/*===--- Expectations ------------------------------------------------------===*/

/* The line an expectation must match: a line number, or no location. */
enum { UnknownLine = 0 };

typedef struct {
  MlirDiagnosticSeverity severity;
  unsigned line;       /* line the diagnostic must be on; UnknownLine: no file */
  unsigned sourceLine; /* line of the comment, for messages */
  const char *text;    /* substring, not NUL-terminated */
  size_t length;
  bool matched;
} Expectation;

typedef struct {
  Expectation *items;
  size_t count, capacity;
} ExpectationList;

static bool push(ExpectationList *list, Expectation e) {
  if (list->count == list->capacity) {
    size_t cap = list->capacity ? 2 * list->capacity : 16;
    Expectation *grown = realloc(list->items, cap * sizeof(*grown));
    if (!grown)
      return false;
    list->items = grown;
    list->capacity = cap;
  }
  list->items[list->count++] = e;
  return true;
}

static const struct {
  const char *word;
  MlirDiagnosticSeverity severity;
} kinds[] = {{"expected-error", MlirDiagnosticError},
             {"expected-warning", MlirDiagnosticWarning},
             {"expected-note", MlirDiagnosticNote},
             {"expected-remark", MlirDiagnosticRemark}};

static bool startsWith(const char *p, const char *end, const char *word) {
  size_t n = strlen(word);
  return (size_t)(end - p) >= n && memcmp(p, word, n) == 0;
}

/* State of the scan over one chunk's lines. */
typedef struct {
  const char *file;
  FILE *out;
  ExpectationList list;   /* expectations bound to a line */
  ExpectationList below;  /* @below ones waiting for their line */
  unsigned lastPlainLine; /* last line without a directive; 0: none yet */
  unsigned errors;        /* malformed directives reported */
} Scanner;

/* Where the directive anchors: the line itself, an offset, or a keyword. */
typedef enum { AnchorHere, AnchorOffset, AnchorAbove, AnchorBelow, AnchorUnknown } Anchor;

typedef struct {
  MlirDiagnosticSeverity severity;
  Anchor anchor;
  long offset;
  const char *text;
  size_t length;
} Directive;

/* Finds the first `expected-(error|warning|note|remark)` on the line; returns
 * NULL when there is none, else where the keyword starts. */
static const char *findKeyword(const char *line, const char *end, size_t *kind) {
  for (const char *p = line; p < end; ++p)
    for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); ++k)
      if (startsWith(p, end, kinds[k].word)) {
        *kind = k;
        return p;
      }
  return NULL;
}

static const char *skipSpaces(const char *p, const char *end) {
  while (p < end && *p == ' ')
    ++p;
  return p;
}

/* Parses `@(+N|-N|above|below|unknown)` at p (just after the '@'). */
static const char *parseAnchor(const char *p, const char *end, Directive *d, const char **why) {
  static const struct {
    const char *word;
    Anchor anchor;
  } words[] = {{"above", AnchorAbove}, {"below", AnchorBelow}, {"unknown", AnchorUnknown}};
  for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); ++i)
    if (startsWith(p, end, words[i].word)) {
      d->anchor = words[i].anchor;
      return p + strlen(words[i].word);
    }
  if (p == end || (*p != '+' && *p != '-') || p + 1 == end || p[1] < '0' || p[1] > '9') {
    *why = "expected '@+N', '@-N', '@above', '@below' or '@unknown'";
    return NULL;
  }
  long sign = *p++ == '-' ? -1 : 1, n = 0;
  for (; p < end && *p >= '0' && *p <= '9'; ++p)
    if ((n = 10 * n + (*p - '0')) > 1000000) {
      *why = "line offset too large";
      return NULL;
    }
  d->anchor = AnchorOffset;
  d->offset = sign * n;
  return p;
}

/* Parses MLIR's `expected-KIND(-re)? *(@ANCHOR)? *{{MESSAGE}}` from the
 * keyword at p to the end of the line; the message runs to the last `}}`,
 * which only trailing whitespace may follow. Returns NULL on success, else why
 * the directive is malformed. */
static const char *parseDirective(const char *p, const char *end, size_t kind, Directive *d) {
  *d = (Directive){kinds[kind].severity, AnchorHere, 0, NULL, 0};
  p += strlen(kinds[kind].word);
  if (startsWith(p, end, "-re"))
    return "regular expressions (expected-*-re) are not supported";
  p = skipSpaces(p, end);
  const char *why = NULL;
  if (p < end && *p == '@' && !(p = parseAnchor(p + 1, end, d, &why)))
    return why;
  p = skipSpaces(p, end);
  if (!startsWith(p, end, "{{"))
    return "expected '{{' to start the message";
  const char *last = end;
  while (last > p && (last[-1] == ' ' || last[-1] == '\t' || last[-1] == '\r'))
    --last;
  if (last - p < 4 || last[-1] != '}' || last[-2] != '}')
    return "expected '}}' at the end of the line to end the message";
  d->text = p + 2;
  d->length = (size_t)(last - 2 - d->text);
  return NULL;
}

static void reportMalformed(Scanner *s, unsigned lineNo, unsigned column, const char *why) {
  fprintf(s->out, "%s:%u:%u: error: malformed expected-* directive: %s\n", s->file, lineNo, column,
          why);
  ++s->errors;
}

/* Binds a directive found on line `lineNo` to the line it expects. */
static void addDirective(Scanner *s, const Directive *d, unsigned lineNo, unsigned column) {
  Expectation e = {d->severity, lineNo, lineNo, d->text, d->length, false};
  switch (d->anchor) {
  case AnchorHere:
    break;
  case AnchorOffset:
    if ((long)lineNo + d->offset < 1) {
      reportMalformed(s, lineNo, column, "line offset points before the first line");
      return;
    }
    e.line = (unsigned)((long)lineNo + d->offset);
    break;
  case AnchorAbove:
    if (s->lastPlainLine == 0) {
      reportMalformed(s, lineNo, column, "'@above' has no line above without a directive");
      return;
    }
    e.line = s->lastPlainLine;
    break;
  case AnchorBelow:
    push(&s->below, e); /* bound by the next line without a directive */
    return;
  case AnchorUnknown:
    e.line = UnknownLine;
    break;
  }
  push(&s->list, e);
}

/* Scans one source line. As in MLIR, @above and @below bind to the nearest
 * line (above or below) that carries no directive of its own. */
static void scanLine(Scanner *s, const char *line, const char *end, unsigned lineNo) {
  size_t kind;
  const char *keyword = findKeyword(line, end, &kind);
  if (!keyword) {
    for (size_t i = 0; i < s->below.count; ++i) {
      s->below.items[i].line = lineNo;
      push(&s->list, s->below.items[i]);
    }
    s->below.count = 0;
    s->lastPlainLine = lineNo;
    return;
  }
  /* A malformed directive is an error, never dropped: a test whose
   * expectation is silently ignored would pass for the wrong reason. */
  unsigned column = (unsigned)(keyword - line) + 1;
  Directive d;
  const char *why = parseDirective(keyword, end, kind, &d);
  if (why)
    reportMalformed(s, lineNo, column, why);
  else
    addDirective(s, &d, lineNo, column);
}

static bool contains(const char *haystack, const char *needle, size_t n) {
  if (n == 0)
    return true;
  for (const char *p = haystack; *p; ++p)
    if (strncmp(p, needle, n) == 0)
      return true;
  return false;
}

/* Whether diagnostic `d` is the one expectation `e` describes: @unknown ones
 * match diagnostics without a file location, the others those in `file`. */
static bool matches(const Expectation *e, const AttnDiag *d, const char *file) {
  if (e->matched || e->severity != d->severity || !contains(d->message, e->text, e->length))
    return false;
  if (e->line == UnknownLine)
    return d->file == NULL;
  return d->file && e->line == d->line && strcmp(d->file, file) == 0;
}

/* Reports diagnostics no expectation matches; returns their count. */
static unsigned checkDiagnostics(AttnDiagEngine *engine, ExpectationList *list, const char *file,
                                 FILE *out) {
  unsigned mismatches = 0;
  for (size_t i = 0; i < engine->count; ++i) {
    AttnDiag *d = &engine->items[i];
    bool found = false;
    for (size_t j = 0; j < list->count && !found; ++j)
      if (matches(&list->items[j], d, file))
        found = list->items[j].matched = true;
    if (!found) {
      ++mismatches;
      fprintf(out, "%s:%u:%u: error: unexpected %s: %s\n", d->file ? d->file : file, d->line,
              d->column, severityName(d->severity), d->message);
    }
  }
  return mismatches;
}

/* Reports expectations no diagnostic matched; returns their count. */
static unsigned checkExpectations(const ExpectationList *list, const char *file, FILE *out) {
  unsigned mismatches = 0;
  for (size_t j = 0; j < list->count; ++j) {
    const Expectation *e = &list->items[j];
    if (e->matched)
      continue;
    ++mismatches;
    if (e->line == UnknownLine)
      fprintf(out, "%s:%u: error: expected %s \"%.*s\" (at an unknown location) was not produced\n",
              file, e->sourceLine, severityName(e->severity), (int)e->length, e->text);
    else
      fprintf(out, "%s:%u: error: expected %s \"%.*s\" (for line %u) was not produced\n", file,
              e->sourceLine, severityName(e->severity), (int)e->length, e->text, e->line);
  }
  return mismatches;
}

unsigned attnDiagVerify(AttnDiagEngine *engine, const char *file, const char *text, size_t length,
                        unsigned firstLine, FILE *out) {
  Scanner s = {file, out, {NULL, 0, 0}, {NULL, 0, 0}, 0, 0};
  const char *end = text + length;
  unsigned lineNo = firstLine;
  for (const char *p = text; p < end; ++lineNo) {
    const char *eol = memchr(p, '\n', (size_t)(end - p));
    if (!eol)
      eol = end;
    scanLine(&s, p, eol, lineNo);
    p = eol + 1;
  }
  unsigned mismatches = s.errors;
  mismatches += checkDiagnostics(engine, &s.list, file, out);
  mismatches += checkExpectations(&s.list, file, out);
  for (size_t j = 0; j < s.below.count; ++j, ++mismatches)
    fprintf(out, "%s:%u: error: expected-*@below has no following line\n", file,
            s.below.items[j].sourceLine);
  free(s.list.items);
  free(s.below.items);
  return mismatches;
}
