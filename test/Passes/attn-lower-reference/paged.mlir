// RUN: attn-opt %s --attn-lower-reference | FileCheck %s
// RUN: attn-opt %s --attn-to-cpu-reference | FileCheck %s --check-prefix=LLVM
// Paged: outputs are pre-filled (0, lse -inf) for tokens outside every
// sequence; per sequence, query offsets come from query_start_loc and the
// key count from seq_lens; key j is read from slot j mod BS of block
// block_tables[b][j / BS]. Every index that comes from data is clamped: the
// table column into [0, MaxBlocks), the block id into [0, NB), seq_len into
// [0, MaxBlocks * BS] (0 when the cache has no block), offsets into [0, Tq].

// CHECK-LABEL: func.func @paged
// CHECK-DAG:     %[[Q:.*]] = bufferization.to_buffer %arg0 read_only : tensor<?x8x32xf16> to memref<?x8x32xf16>
// CHECK-DAG:     %[[KC:.*]] = bufferization.to_buffer %arg1 read_only : tensor<?x16x2x32xf16> to memref<?x16x2x32xf16>
// CHECK-DAG:     %[[VC:.*]] = bufferization.to_buffer %arg2 read_only : tensor<?x16x2x48xf16> to memref<?x16x2x48xf16>
// CHECK-DAG:     %[[BT:.*]] = bufferization.to_buffer %arg3 read_only : tensor<?x?xi32> to memref<?x?xi32>
// CHECK-DAG:     %[[SL:.*]] = bufferization.to_buffer %arg4 read_only : tensor<?xi32> to memref<?xi32>
// CHECK-DAG:     %[[QSL:.*]] = bufferization.to_buffer %arg5 read_only : tensor<?xi32> to memref<?xi32>
// CHECK-DAG:     %[[S:.*]] = bufferization.to_buffer %arg6 read_only : tensor<8xf32> to memref<8xf32>
// CHECK:         %[[OUT:.*]] = memref.alloc(%{{.*}}) : memref<?x8x48xf16>
// CHECK:         %[[LSE:.*]] = memref.alloc(%{{.*}}) : memref<8x?xf32>
// CHECK:         memref.store %{{.*}}, %[[OUT]]
// CHECK:         memref.store %cst{{.*}}, %[[LSE]]
// The scratch row holds up to MaxBlocks * BS logits, none without blocks.
// CHECK:         %[[NB:.*]] = memref.dim %[[KC]], %c0{{.*}} : memref<?x16x2x32xf16>
// CHECK:         %[[MB:.*]] = memref.dim %[[BT]], %c1{{.*}} : memref<?x?xi32>
// CHECK:         %[[MAXK:.*]] = arith.muli %[[MB]], %c16 : index
// CHECK:         %[[HASNB:.*]] = arith.cmpi sgt, %[[NB]], %c0{{.*}} : index
// CHECK:         %[[CAP:.*]] = arith.select %[[HASNB]], %[[MAXK]], %c0{{.*}} : index
// CHECK:         %[[SCRATCH:.*]] = memref.alloc(%[[CAP]]) : memref<?xf32>
// B is the smallest of the per-sequence operands' lengths.
// CHECK:         %[[B1:.*]] = arith.minsi
// CHECK:         %[[B:.*]] = arith.minsi %[[B1]], %{{.*}} : index
// CHECK:         scf.for %[[SEQ:[^ ]+]] = %{{.*}} to %[[B]]
// CHECK:           %[[TQ:.*]] = memref.dim %[[Q]], %c0{{.*}} : memref<?x8x32xf16>
// CHECK:           memref.load %[[QSL]]
// CHECK:           arith.maxsi
// CHECK:           %[[QE:.*]] = arith.minsi %{{.*}}, %[[TQ]] : index
// CHECK:           memref.load %[[QSL]][%[[SEQ]]]
// CHECK:           arith.maxsi
// CHECK:           %[[QS:.*]] = arith.minsi %{{.*}}, %[[QE]] : index
// CHECK:           %[[LENQ:.*]] = arith.subi %[[QE]], %[[QS]] : index
// CHECK:           %[[SLV:.*]] = memref.load %[[SL]][%[[SEQ]]] : memref<?xi32>
// CHECK:           %[[SLI:.*]] = arith.index_cast %[[SLV]] : i32 to index
// CHECK:           %[[SLC:.*]] = arith.maxsi %[[SLI]], %c0{{.*}} : index
// CHECK:           %[[LENK:.*]] = arith.minsi %[[SLC]], %[[CAP]] : index
// CHECK:           %[[LASTCOL:.*]] = arith.subi %[[MB]], %c1{{.*}} : index
// CHECK:           %[[LASTBLK:.*]] = arith.subi %[[NB]], %c1{{.*}} : index
// GQA: query head h reads KV head h / 4.
// CHECK:           scf.for %[[H:[^ ]+]] = %{{.*}} to %c8
// CHECK:             %[[KVH:.*]] = arith.divsi %[[H]], %c4 : index
// CHECK:             scf.for %[[I:[^ ]+]] = %{{.*}} to %[[LENQ]]
// Query token t of the sequence sits at seq_len - q_len + t.
// CHECK:               %[[OFF:.*]] = arith.subi %[[LENK]], %[[LENQ]] : index
// CHECK:               %[[POS:.*]] = arith.addi %[[I]], %[[OFF]] : index
// CHECK:               scf.for %[[J:[^ ]+]] = %{{.*}} to %[[LENK]]
// CHECK:                 scf.for %[[D:[^ ]+]] =
// CHECK:                   %[[COL:.*]] = arith.divsi %[[J]], %c16{{.*}} : index
// CHECK:                   %[[COLC:.*]] = arith.minsi %[[COL]], %[[LASTCOL]] : index
// CHECK:                   %[[BLK:.*]] = memref.load %[[BT]][%[[SEQ]], %[[COLC]]] : memref<?x?xi32>
// CHECK:                   %[[BLKI:.*]] = arith.index_cast %[[BLK]] : i32 to index
// CHECK:                   %[[BLKC:.*]] = arith.maxsi %[[BLKI]], %c0{{.*}} : index
// CHECK:                   %[[BLKCC:.*]] = arith.minsi %[[BLKC]], %[[LASTBLK]] : index
// CHECK:                   %[[SLOT:.*]] = arith.remsi %[[J]], %c16{{.*}} : index
// CHECK:                   memref.load %[[KC]][%[[BLKCC]], %[[SLOT]], %[[KVH]], %[[D]]] : memref<?x16x2x32xf16>
// CHECK:                   %[[T:.*]] = arith.addi %[[QS]], %[[I]]
// CHECK:                   memref.load %[[Q]][%[[T]], %[[H]], %[[D]]] : memref<?x8x32xf16>
// CHECK:                 arith.subi %[[POS]], %[[J]] : index
// CHECK:                 memref.store %{{.*}}, %[[SCRATCH]][%[[J]]]
// CHECK:               scf.for %[[DV:[^ ]+]] = %{{.*}} to %c48
// CHECK:                 scf.for %[[J2:[^ ]+]] = %{{.*}} to %[[LENK]]
// CHECK:                   memref.load %[[BT]][%[[SEQ]], %{{.*}}] : memref<?x?xi32>
// CHECK:                   memref.load %[[VC]][%{{.*}}, %{{.*}}, %[[KVH]], %[[DV]]] : memref<?x16x2x48xf16>
// CHECK:                 memref.store %{{.*}}, %[[OUT]][%{{.*}}, %[[H]], %[[DV]]] : memref<?x8x48xf16>
// CHECK:               memref.store %{{.*}}, %[[LSE]][%[[H]], %{{.*}}] : memref<8x?xf32>

// The named pipeline takes it to the LLVM dialect.
// LLVM-NOT: attn.
// LLVM: llvm.func @paged(
func.func @paged(%q: tensor<?x8x32xf16>, %kc: tensor<?x16x2x32xf16>, %vc: tensor<?x16x2x48xf16>, %bt: tensor<?x?xi32>, %sl: tensor<?xi32>, %qsl: tensor<?xi32>, %s: tensor<8xf32>) -> (tensor<?x8x48xf16>, tensor<8x?xf32>) {
  %o, %l = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl alibi(%s) {causal} : (tensor<?x8x32xf16>, tensor<?x16x2x32xf16>, tensor<?x16x2x48xf16>, tensor<?x?xi32>, tensor<?xi32>, tensor<?xi32>, tensor<8xf32>) -> (tensor<?x8x48xf16>, tensor<8x?xf32>)
  return %o, %l : tensor<?x8x48xf16>, tensor<8x?xf32>
}
