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
// RUN: timeout 60 cat %t/fifo > %t/from-fifo.mlir & timeout 60 attn-opt %s -o %t/fifo; wait
// RUN: test -p %t/fifo
// RUN: FileCheck %s < %t/from-fifo.mlir
// A regular file is still replaced only on success.
// RUN: attn-opt %s -o %t/regular.mlir
// RUN: FileCheck %s < %t/regular.mlir

// CHECK: func.func @f
func.func @f() {
  return
}
