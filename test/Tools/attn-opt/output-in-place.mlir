// -o on something that is not a regular file writes through it and leaves it
// what it was: /dev/null stays a character device, a symlink stays a link
// (its target gets the text), a FIFO stays a FIFO (timeouts: a reader or
// writer left alone on a FIFO would block forever). attn-opt once renamed a
// temporary file over the path, which as root replaced /dev/null with a file.
// RUN: rm -rf %t && mkdir %t
// RUN: attn-opt %s -o /dev/null
// RUN: test -c /dev/null
// RUN: ln -s target.mlir %t/link.mlir
// RUN: attn-opt %s -o %t/link.mlir
// RUN: test -L %t/link.mlir
// RUN: FileCheck %s < %t/target.mlir
// RUN: mkfifo %t/fifo
// The reader runs in the background; the line's status is attn-opt's and then the
// reader's (`wait PID` returns the reader's status; a bare `wait` would return 0).
// RUN: timeout 60 cat %t/fifo > %t/from-fifo.mlir & reader=$!; timeout 60 attn-opt %s -o %t/fifo; st=$?; wait $reader && test $st -eq 0
// RUN: test -p %t/fifo
// RUN: FileCheck %s < %t/from-fifo.mlir
// A regular file is still replaced only on success.
// RUN: attn-opt %s -o %t/regular.mlir
// RUN: FileCheck %s < %t/regular.mlir

// CHECK: func.func @f
func.func @f() {
  return
}
