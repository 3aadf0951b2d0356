// attn-nvvm-l2-prefetch: in paged decode kernels (attn.kernel kind =
// "paged_decode"), 16-byte cache = cg copies (with or without a source size)
// become inline PTX with the .L2::256B prefetch qualifier, in place (their
// order against commit/wait is kept); cache = ca copies, other ops and the
// copies of other kernels (flash, merge) or plain functions are left alone.
// RUN: attn-opt %s --attn-nvvm-l2-prefetch | FileCheck %s
// The PTX the NVPTX backend makes of it.
// RUN: attn-opt %s --attn-nvvm-l2-prefetch | mlir-translate --mlir-to-llvmir | llc -mtriple=nvptx64-nvidia-cuda -mcpu=sm_90a -mattr=+ptx80 | FileCheck %s --check-prefix=PTX
// Running it twice changes nothing more.
// RUN: attn-opt %s --attn-nvvm-l2-prefetch --attn-nvvm-l2-prefetch | FileCheck %s

// CHECK-LABEL: llvm.func @copies(
// CHECK-SAME: %[[DST:[a-z0-9]+]]: !llvm.ptr<3>, %[[SRC:[a-z0-9]+]]: !llvm.ptr<1>, %[[N:[a-z0-9]+]]: i32
// CHECK-NEXT: llvm.inline_asm has_side_effects "cp.async.cg.shared.global.L2::256B [$0], [$1], 16;", "l,l" %[[DST]], %[[SRC]] : (!llvm.ptr<3>, !llvm.ptr<1>) -> ()
// CHECK-NEXT: llvm.inline_asm has_side_effects "cp.async.cg.shared.global.L2::256B [$0], [$1], 16, $2;", "l,l,r" %[[DST]], %[[SRC]], %[[N]] : (!llvm.ptr<3>, !llvm.ptr<1>, i32) -> ()
// CHECK-NEXT: nvvm.cp.async.commit.group
// CHECK-NEXT: nvvm.cp.async.shared.global %[[DST]], %[[SRC]], 16, cache =  ca
// CHECK-NEXT: nvvm.cp.async.shared.global %[[DST]], %[[SRC]], 8, cache =  ca
// CHECK-NEXT: nvvm.cp.async.commit.group
// CHECK-NEXT: nvvm.cp.async.wait.group 0
// CHECK-NEXT: llvm.return

// PTX-LABEL: .visible .func copies(
// PTX: cp.async.cg.shared.global.L2::256B [%rd{{[0-9]+}}], [%rd{{[0-9]+}}], 16;
// PTX: cp.async.cg.shared.global.L2::256B [%rd{{[0-9]+}}], [%rd{{[0-9]+}}], 16, %r{{[0-9]+}};
// PTX: cp.async.commit_group;
// PTX: cp.async.ca.shared.global [%rd{{[0-9]+}}], [%rd{{[0-9]+}}], 16;
// PTX: cp.async.ca.shared.global [%rd{{[0-9]+}}], [%rd{{[0-9]+}}], 8;
// PTX: cp.async.commit_group;
// PTX: cp.async.wait_group {{[[:space:]]*}}0;
llvm.func @copies(%dst: !llvm.ptr<3>, %src: !llvm.ptr<1>, %n: i32) attributes {attn.kernel = {kind = "paged_decode"}} {
  nvvm.cp.async.shared.global %dst, %src, 16, cache = cg : !llvm.ptr<3>, !llvm.ptr<1>
  nvvm.cp.async.shared.global %dst, %src, 16, cache = cg, %n : !llvm.ptr<3>, !llvm.ptr<1>, i32
  nvvm.cp.async.commit.group
  nvvm.cp.async.shared.global %dst, %src, 16, cache = ca : !llvm.ptr<3>, !llvm.ptr<1>
  nvvm.cp.async.shared.global %dst, %src, 8, cache = ca : !llvm.ptr<3>, !llvm.ptr<1>
  nvvm.cp.async.commit.group
  nvvm.cp.async.wait.group 0
  llvm.return
}

// Other kernels and functions keep their copies.
// CHECK-LABEL: llvm.func @flash(
// CHECK-NEXT: nvvm.cp.async.shared.global %{{.*}}, %{{.*}}, 16, cache =  cg
llvm.func @flash(%dst: !llvm.ptr<3>, %src: !llvm.ptr<1>) attributes {attn.kernel = {kind = "mha"}} {
  nvvm.cp.async.shared.global %dst, %src, 16, cache = cg : !llvm.ptr<3>, !llvm.ptr<1>
  llvm.return
}
// CHECK-LABEL: llvm.func @plain(
// CHECK-NEXT: nvvm.cp.async.shared.global %{{.*}}, %{{.*}}, 16, cache =  cg
llvm.func @plain(%dst: !llvm.ptr<3>, %src: !llvm.ptr<1>) attributes {attn.kernel = "paged_decode"} {
  nvvm.cp.async.shared.global %dst, %src, 16, cache = cg : !llvm.ptr<3>, !llvm.ptr<1>
  llvm.return
}

// Nested in a gpu.module, as attn-to-nvvm runs it.
// CHECK-LABEL: gpu.module @kernels
// CHECK: llvm.func @k(
// CHECK-NEXT: llvm.inline_asm has_side_effects "cp.async.cg.shared.global.L2::256B
// CHECK: llvm.func @merge(
// CHECK-NEXT: nvvm.cp.async.shared.global
gpu.module @kernels {
  llvm.func @k(%dst: !llvm.ptr<3>, %src: !llvm.ptr<1>) attributes {attn.kernel = {block_m = 16 : i64, kind = "paged_decode"}} {
    nvvm.cp.async.shared.global %dst, %src, 16, cache = cg : !llvm.ptr<3>, !llvm.ptr<1>
    llvm.return
  }
  llvm.func @merge(%dst: !llvm.ptr<3>, %src: !llvm.ptr<1>) attributes {attn.kernel = {kind = "paged_merge"}} {
    nvvm.cp.async.shared.global %dst, %src, 16, cache = cg : !llvm.ptr<3>, !llvm.ptr<1>
    llvm.return
  }
}
