// -o FILE is written through a temporary file beside it that replaces FILE
// only on success: on failure FILE keeps what it had (or is not created) and
// no temporary is left behind.
// RUN: rm -rf %t.d && mkdir %t.d && echo stale > %t.d/out.mlir
// RUN: not attn-opt %s -o %t.d/out.mlir 2>&1 | FileCheck %s --check-prefix=ERR
// RUN: FileCheck %s --check-prefix=STALE < %t.d/out.mlir
// RUN: not attn-opt %s -o %t.d/new.mlir 2>/dev/null
// RUN: not test -e %t.d/new.mlir
// RUN: ls %t.d | FileCheck %s --check-prefix=LS --implicit-check-not=tmp
// A pipeline failure and a --verify-diagnostics failure are failures too.
// RUN: not attn-opt %S/Inputs/mha.mlir --no-such-pass -o %t.d/out.mlir 2>/dev/null
// RUN: not attn-opt %s --verify-diagnostics -o %t.d/out.mlir 2>/dev/null
// RUN: FileCheck %s --check-prefix=STALE < %t.d/out.mlir
// RUN: ls %t.d | FileCheck %s --check-prefix=LS --implicit-check-not=tmp
// Success replaces the file, with the mode a new file gets.
// RUN: attn-opt %S/Inputs/mha.mlir -o %t.d/out.mlir
// RUN: FileCheck %s --check-prefix=NEW < %t.d/out.mlir
// RUN: ls %t.d | FileCheck %s --check-prefix=LS --implicit-check-not=tmp
// RUN: (umask 022 && attn-opt %S/Inputs/mha.mlir -o %t.d/mode.mlir) && ls -l %t.d/mode.mlir | FileCheck %s --check-prefix=MODE

// ERR: output-file-failure.mlir:[[@LINE+7]]:3: error: custom op 'bogus' is unknown
// STALE: stale
// LS: out.mlir
// NEW: module {
// NEW-NOT: stale
// MODE: -rw-r--r--
func.func @f() {
  bogus
}
