// Hand-written, already lowered NVIDIA kernels (what attn-to-nvvm leaves: a
// gpu.module @attn_kernels of nvvm.kernel llvm.funcs). @stage_copy stages
// out[tid] = a[tid] + common[0] through its own 4 KiB of shared memory (LLVM declares it
// inside the kernel); both use element 0 of @common (LLVM keeps that one
// f32, at module level). 128 threads per block for @stage_copy, none
// required for @plain_copy.
module {
  gpu.module @attn_kernels {
    llvm.mlir.global internal @stage() {addr_space = 3 : i32, alignment = 16 : i64} : !llvm.array<1024 x f32>
    llvm.mlir.global internal @common() {addr_space = 3 : i32, alignment = 16 : i64} : !llvm.array<64 x f32>
    llvm.func @stage_copy(%a: !llvm.ptr<1>, %out: !llvm.ptr<1>)
        attributes {nvvm.kernel, nvvm.reqntid = array<i32: 128, 1, 1>} {
      %tid = nvvm.read.ptx.sreg.tid.x : i32
      %s = llvm.mlir.addressof @stage : !llvm.ptr<3>
      %c = llvm.mlir.addressof @common : !llvm.ptr<3>
      %pa = llvm.getelementptr %a[%tid] : (!llvm.ptr<1>, i32) -> !llvm.ptr<1>, f32
      %ps = llvm.getelementptr %s[%tid] : (!llvm.ptr<3>, i32) -> !llvm.ptr<3>, f32
      %v = llvm.load %pa : !llvm.ptr<1> -> f32
      llvm.store %v, %ps : f32, !llvm.ptr<3>
      llvm.store %v, %c : f32, !llvm.ptr<3>
      nvvm.barrier0
      %w = llvm.load %ps : !llvm.ptr<3> -> f32
      %x = llvm.load %c : !llvm.ptr<3> -> f32
      %y = llvm.fadd %w, %x : f32
      %po = llvm.getelementptr %out[%tid] : (!llvm.ptr<1>, i32) -> !llvm.ptr<1>, f32
      llvm.store %y, %po : f32, !llvm.ptr<1>
      llvm.return
    }
    llvm.func @plain_copy(%a: !llvm.ptr<1>, %out: !llvm.ptr<1>) attributes {nvvm.kernel} {
      %tid = nvvm.read.ptx.sreg.tid.x : i32
      %c = llvm.mlir.addressof @common : !llvm.ptr<3>
      %pa = llvm.getelementptr %a[%tid] : (!llvm.ptr<1>, i32) -> !llvm.ptr<1>, f32
      %v = llvm.load %pa : !llvm.ptr<1> -> f32
      llvm.store %v, %c : f32, !llvm.ptr<3>
      nvvm.barrier0
      %x = llvm.load %c : !llvm.ptr<3> -> f32
      %po = llvm.getelementptr %out[%tid] : (!llvm.ptr<1>, i32) -> !llvm.ptr<1>, f32
      llvm.store %x, %po : f32, !llvm.ptr<1>
      llvm.return
    }
  }
}
