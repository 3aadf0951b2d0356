// attn-gpu-pipeline splits each KV loop of a wgmma kernel (num_stages 2, the
// sm_90a default) into prologue / steady / epilogue loops: the steady loop
// issues P V of the previous tile (its V read at iv - BLOCK_N) right after
// Q K^T of this one (its V read and O's rescale before that Q K^T), and
// carries P (bf16) and the rescale factor to it.
// RUN: attn-opt %s --attn-gqa-map "--attn-tile=target=sm_90a num-stages=2" --attn-online-softmax --attn-gpu-layout --attn-gpu-pipeline | FileCheck %s
// num_stages 1, or the mma.sync path: nothing to overlap, the loops stay.
// RUN: attn-opt %s --attn-gqa-map "--attn-tile=target=sm_90a num-stages=1" --attn-online-softmax --attn-gpu-layout --attn-gpu-pipeline | FileCheck %s --check-prefix=NONE
// RUN: attn-opt %s --attn-gqa-map "--attn-tile=target=sm_90a num-stages=2" --attn-online-softmax --attn-gpu-layout=mma=mma_sync --attn-gpu-pipeline | FileCheck %s --check-prefix=NONE
// force=true pipelines any kernel (the CPU's too: test/Execution runs them).
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=cpu --attn-online-softmax "--attn-gpu-pipeline=force=true" | FileCheck %s --check-prefix=FORCE
// RUN: not attn-opt %s "--attn-gpu-pipeline=force=maybe" 2>&1 | FileCheck %s --check-prefix=OPT

// The first (masked, diagonal) loop of the causal kernel:
// CHECK-LABEL: func.func @f_attn0
// CHECK: scf.for %[[IV:[a-z0-9_]+]] = %{{[^ ]*}} to %{{[^ ]*}} step %[[BN:[a-z0-9_]+]] iter_args({{.*}}) -> (vector<128xf32>, vector<128xf32>, vector<128x128xf32>, vector<128xf32>, vector<128x128xbf16>)
// CHECK:   vector.transfer_read %arg1[{{.*}}, %[[IV]], {{.*}}], %{{.*}} {attn.layout = "smem.swizzle128"
// CHECK:   vector.contract {{.*}} {attn.layout = "wgmma.m64n128k16.ss"}
// CHECK-NOT: vector.contract
// CHECK:   %[[P0:.*]] = arith.truncf {{.*}} : vector<128x128xf32> to vector<128x128xbf16>
// CHECK:   scf.yield {{.*}}, {{.*}}, %{{.*}}, %{{.*}}, %[[P0]]
// CHECK: } {attn.pipeline = "prologue"}
// CHECK: scf.for %[[J:[a-z0-9_]+]] = {{.*}} iter_args({{.*}}, %[[O:[a-z0-9_]+]] = {{.*}}, %[[ALPHA:[a-z0-9_]+]] = {{.*}}, %[[P:[a-z0-9_]+]] = {{.*}})
// CHECK:   %[[PREV:.*]] = arith.subi %[[J]], %[[BN]] : index
// CHECK:   vector.transfer_read %arg1[{{.*}}, %[[J]], {{.*}}], %{{.*}} {attn.layout = "smem.swizzle128"
// CHECK:   vector.transfer_read %arg2[{{.*}}, %[[PREV]], {{.*}}], %{{.*}} {attn.layout = "smem.swizzle128"
// CHECK:   vector.broadcast %[[ALPHA]] : vector<128xf32> to vector<128x128xf32>
// CHECK:   %[[SCALED:.*]] = arith.mulf %[[O]],
// CHECK-NEXT:   %[[S:.*]] = vector.contract {{.*}} {attn.layout = "wgmma.m64n128k16.ss"}
// CHECK-NEXT:   %[[PV:.*]] = vector.contract {{.*}} %[[P]], %{{.*}}, %[[SCALED]] {attn.layout = "wgmma.m64n128k16.rs"}
// CHECK:   %[[T:.*]] = arith.select %{{.*}}, %[[S]],
// CHECK:   vector.multi_reduction <maximumf>, %[[T]]
// CHECK:   scf.yield {{.*}}, {{.*}}, %[[PV]], {{.*}}, {{.*}}
// CHECK: } {attn.pipeline = "steady"}
// CHECK: arith.divui
// CHECK: scf.for %[[K:[a-z0-9_]+]] = {{.*}} iter_args({{.*}}, %[[EO:[a-z0-9_]+]] = {{.*}}, %[[EALPHA:[a-z0-9_]+]] = {{.*}}, %[[EP:[a-z0-9_]+]] = {{.*}})
// CHECK-NOT: wgmma.m64n128k16.ss
// CHECK:   vector.transfer_read %arg2[{{.*}}, %[[K]], {{.*}}]
// CHECK:   %[[EPV:.*]] = vector.contract {{.*}} %[[EP]], {{.*}} {attn.layout = "wgmma.m64n128k16.rs"}
// CHECK:   scf.yield {{.*}}, {{.*}}, %[[EPV]], %[[EALPHA]], %[[EP]]
// CHECK: } {attn.pipeline = "epilogue"}
// Each of the kernel's three KV loops is split:
// CHECK-COUNT-2: attn.pipeline = "prologue"

// NONE-NOT: attn.pipeline
// FORCE-COUNT-3: attn.pipeline = "steady"
// OPT: attn-gpu-pipeline: unknown option 'force=maybe' (expected force=true|false)
func.func @f(%q: tensor<?x8x?x128xbf16>, %k: tensor<?x2x?x128xbf16>, %v: tensor<?x2x?x128xbf16>)
    -> tensor<?x8x?x128xbf16> {
  %o = attn.mha %q, %k, %v {causal}
      : (tensor<?x8x?x128xbf16>, tensor<?x2x?x128xbf16>, tensor<?x2x?x128xbf16>) -> tensor<?x8x?x128xbf16>
  return %o : tensor<?x8x?x128xbf16>
}
