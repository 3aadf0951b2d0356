// A hand-written, already lowered AMD kernel (what attn-to-rocdl leaves:
// a gpu.module @attn_kernels of rocdl.kernel llvm.funcs): acc += A_i * B_i
// over n steps with v_mfma_f32_32x32x8_f16, then one more MFMA after the loop.
module {
  gpu.module @attn_kernels {
    llvm.func @mfma_loop(%a: !llvm.ptr<1>, %b: !llvm.ptr<1>, %out: !llvm.ptr<1>, %n: i32)
        attributes {rocdl.kernel, rocdl.reqd_work_group_size = array<i32: 64, 1, 1>} {
      %tid = rocdl.workitem.id.x : i32
      %c0 = llvm.mlir.constant(0 : i32) : i32
      %c1 = llvm.mlir.constant(1 : i32) : i32
      %c64 = llvm.mlir.constant(64 : i32) : i32
      %zero = llvm.mlir.constant(dense<0.0> : vector<16xf32>) : vector<16xf32>
      llvm.br ^loop(%c0, %zero : i32, vector<16xf32>)
    ^loop(%i: i32, %acc: vector<16xf32>):
      %more = llvm.icmp "slt" %i, %n : i32
      llvm.cond_br %more, ^body, ^exit
    ^body:
      %row = llvm.mul %i, %c64 : i32
      %idx = llvm.add %row, %tid : i32
      %pa = llvm.getelementptr %a[%idx] : (!llvm.ptr<1>, i32) -> !llvm.ptr<1>, vector<4xf16>
      %pb = llvm.getelementptr %b[%idx] : (!llvm.ptr<1>, i32) -> !llvm.ptr<1>, vector<4xf16>
      %va = llvm.load %pa : !llvm.ptr<1> -> vector<4xf16>
      %vb = llvm.load %pb : !llvm.ptr<1> -> vector<4xf16>
      %next = rocdl.mfma.f32.32x32x8f16 %va, %vb, %acc, %c0, %c0, %c0 : (vector<4xf16>, vector<4xf16>, vector<16xf32>, i32, i32, i32) -> vector<16xf32>
      %i1 = llvm.add %i, %c1 : i32
      llvm.br ^loop(%i1, %next : i32, vector<16xf32>)
    ^exit:
      %pa0 = llvm.getelementptr %a[%tid] : (!llvm.ptr<1>, i32) -> !llvm.ptr<1>, vector<4xf16>
      %va0 = llvm.load %pa0 : !llvm.ptr<1> -> vector<4xf16>
      %fin = rocdl.mfma.f32.32x32x8f16 %va0, %va0, %acc, %c0, %c0, %c0 : (vector<4xf16>, vector<4xf16>, vector<16xf32>, i32, i32, i32) -> vector<16xf32>
      %po = llvm.getelementptr %out[%tid] : (!llvm.ptr<1>, i32) -> !llvm.ptr<1>, vector<16xf32>
      llvm.store %fin, %po : vector<16xf32>, !llvm.ptr<1>
      llvm.return
    }
  }
}
