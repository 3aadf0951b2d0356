// RUN: attn-opt %s --attn-cpu-launch --split-input-file | FileCheck %s
// RUN: attn-opt %s --attn-cpu-launch --attn-cpu-launch --split-input-file | FileCheck %s
// RUN: attn-opt %s --attn-cpu-launch --split-input-file | mlir-translate --mlir-to-llvmir --split-input-file -o /dev/null

// A launch as attn-online-softmax and the lowering to LLVM leave it: a
// memref<?x4xf32> (allocated, aligned, offset, sizes, strides), an f32, an
// index (i64), then the grid. The launch becomes slots + a call into the
// launcher; the program decodes the slots and calls the kernel.

// CHECK-LABEL: module
// CHECK: llvm.mlir.global external @attnrt_cpu_launcher() {addr_space = 0 : i32} : !llvm.struct<(ptr, ptr)>
// CHECK-NOT: @attnrt_cpu_launcher()
// CHECK: llvm.func @k(

// CHECK-LABEL: llvm.func internal @__attn_launch_k(
// CHECK-SAME: %[[A0:[a-z0-9]+]]: !llvm.ptr, %[[A1:[a-z0-9]+]]: !llvm.ptr, %[[A2:[a-z0-9]+]]: i64, %{{.*}}: i64, %{{.*}}: i64, %{{.*}}: i64, %{{.*}}: i64, %[[F:[a-z0-9]+]]: f32, %[[N:[a-z0-9]+]]: i64, %[[GX:[a-z0-9]+]]: i64, %[[GY:[a-z0-9]+]]: i64, %[[GZ:[a-z0-9]+]]: i64)
// CHECK: %[[COUNT:.*]] = llvm.mlir.constant(9 : i64) : i64
// CHECK: %[[SLOTS:.*]] = llvm.alloca %[[COUNT]] x i64 : (i64) -> !llvm.ptr
// CHECK: %[[S0:.*]] = llvm.getelementptr %[[SLOTS]][0] : (!llvm.ptr) -> !llvm.ptr, i64
// CHECK: %[[P0:.*]] = llvm.ptrtoint %[[A0]] : !llvm.ptr to i64
// CHECK: llvm.store %[[P0]], %[[S0]] {alignment = 8 : i64} : i64, !llvm.ptr
// CHECK: %[[S1:.*]] = llvm.getelementptr %[[SLOTS]][1]
// CHECK: %[[P1:.*]] = llvm.ptrtoint %[[A1]] : !llvm.ptr to i64
// CHECK: llvm.store %[[P1]], %[[S1]]
// CHECK: %[[S2:.*]] = llvm.getelementptr %[[SLOTS]][2]
// CHECK: llvm.store %[[A2]], %[[S2]]
// CHECK: %[[S7:.*]] = llvm.getelementptr %[[SLOTS]][7]
// CHECK: %[[FB:.*]] = llvm.bitcast %[[F]] : f32 to i32
// CHECK: %[[FX:.*]] = llvm.zext %[[FB]] : i32 to i64
// CHECK: llvm.store %[[FX]], %[[S7]]
// CHECK: %[[S8:.*]] = llvm.getelementptr %[[SLOTS]][8]
// CHECK: llvm.store %[[N]], %[[S8]]
// CHECK-NOT: llvm.getelementptr %[[SLOTS]]
// CHECK: %[[L:.*]] = llvm.mlir.addressof @attnrt_cpu_launcher : !llvm.ptr
// CHECK: %[[FN:.*]] = llvm.load %[[L]] {alignment = 8 : i64} : !llvm.ptr -> !llvm.ptr
// CHECK: %[[CTXP:.*]] = llvm.getelementptr %[[L]][0, 1] : (!llvm.ptr) -> !llvm.ptr, !llvm.struct<(ptr, ptr)>
// CHECK: %[[CTX:.*]] = llvm.load %[[CTXP]] {alignment = 8 : i64} : !llvm.ptr -> !llvm.ptr
// CHECK: %[[PROG:.*]] = llvm.mlir.addressof @__attn_program_k : !llvm.ptr
// CHECK: %[[RC:.*]] = llvm.call %[[FN]](%[[CTX]], %[[PROG]], %[[SLOTS]], %[[GX]], %[[GY]], %[[GZ]]) : !llvm.ptr, (!llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i64, i64) -> i32
// CHECK: %[[ZERO:.*]] = llvm.mlir.constant(0 : i32) : i32
// CHECK: %[[BAD:.*]] = llvm.icmp "ne" %[[RC]], %[[ZERO]] : i32
// CHECK: llvm.cond_br %[[BAD]], ^[[TRAP:.*]], ^[[DONE:[a-z0-9]+]]
// CHECK: ^[[TRAP]]:
// CHECK-NEXT: llvm.intr.trap
// CHECK-NEXT: llvm.unreachable
// CHECK: ^[[DONE]]:
// CHECK-NEXT: llvm.return

// CHECK-LABEL: llvm.func internal @__attn_program_k(
// CHECK-SAME: %[[ARGS:[a-z0-9]+]]: !llvm.ptr, %[[X:[a-z0-9]+]]: i64, %[[Y:[a-z0-9]+]]: i64, %[[Z:[a-z0-9]+]]: i64)
// CHECK: %[[Q0:.*]] = llvm.getelementptr %[[ARGS]][0] : (!llvm.ptr) -> !llvm.ptr, i64
// CHECK: %[[V0:.*]] = llvm.load %[[Q0]] {alignment = 8 : i64} : !llvm.ptr -> i64
// CHECK: %[[R0:.*]] = llvm.inttoptr %[[V0]] : i64 to !llvm.ptr
// CHECK: %[[R1:.*]] = llvm.inttoptr %{{.*}} : i64 to !llvm.ptr
// CHECK: %[[Q2:.*]] = llvm.getelementptr %[[ARGS]][2]
// CHECK: %[[R2:.*]] = llvm.load %[[Q2]]
// CHECK: %[[Q7:.*]] = llvm.getelementptr %[[ARGS]][7]
// CHECK: %[[V7:.*]] = llvm.load %[[Q7]]
// CHECK: %[[T7:.*]] = llvm.trunc %[[V7]] : i64 to i32
// CHECK: %[[R7:.*]] = llvm.bitcast %[[T7]] : i32 to f32
// CHECK: %[[Q8:.*]] = llvm.getelementptr %[[ARGS]][8]
// CHECK: %[[R8:.*]] = llvm.load %[[Q8]]
// CHECK: llvm.call @k(%[[R0]], %[[R1]], %[[R2]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[R7]], %[[R8]], %[[X]], %[[Y]], %[[Z]]) : (!llvm.ptr, !llvm.ptr, i64, i64, i64, i64, i64, f32, i64, i64, i64, i64) -> ()
// CHECK-NEXT: llvm.return

// The caller is untouched.
// CHECK-LABEL: llvm.func @user(
// CHECK: llvm.call @__attn_launch_k(

llvm.func @k(%arg0: !llvm.ptr, %arg1: !llvm.ptr, %arg2: i64, %arg3: i64, %arg4: i64, %arg5: i64, %arg6: i64, %arg7: f32, %arg8: i64, %arg9: i64, %arg10: i64, %arg11: i64) {
  llvm.return
}
llvm.func @__attn_launch_k(!llvm.ptr, !llvm.ptr, i64, i64, i64, i64, i64, f32, i64, i64, i64, i64) attributes {sym_visibility = "private"}
llvm.func @user(%arg0: !llvm.ptr, %arg1: i64, %arg2: f32) {
  llvm.call @__attn_launch_k(%arg0, %arg0, %arg1, %arg1, %arg1, %arg1, %arg1, %arg2, %arg1, %arg1, %arg1, %arg1) : (!llvm.ptr, !llvm.ptr, i64, i64, i64, i64, i64, f32, i64, i64, i64, i64) -> ()
  llvm.return
}

// -----

// Narrow integers are zero-extended into their slot and truncated back;
// f16, bf16 and f64 travel as their bits; i64 and pointers as they are.

// CHECK-LABEL: llvm.func internal @__attn_launch_kinds(
// CHECK: llvm.zext %{{.*}} : i1 to i64
// CHECK: llvm.zext %{{.*}} : i32 to i64
// CHECK: llvm.bitcast %{{.*}} : f16 to i16
// CHECK-NEXT: llvm.zext %{{.*}} : i16 to i64
// CHECK: llvm.bitcast %{{.*}} : bf16 to i16
// CHECK-NEXT: llvm.zext %{{.*}} : i16 to i64
// CHECK: llvm.bitcast %{{.*}} : f64 to i64
// CHECK-NOT: llvm.zext
// CHECK: llvm.call %{{.*}} -> i32
// CHECK-LABEL: llvm.func internal @__attn_program_kinds(
// CHECK: llvm.trunc %{{.*}} : i64 to i1
// CHECK: llvm.trunc %{{.*}} : i64 to i32
// CHECK: llvm.trunc %{{.*}} : i64 to i16
// CHECK-NEXT: llvm.bitcast %{{.*}} : i16 to f16
// CHECK: llvm.trunc %{{.*}} : i64 to i16
// CHECK-NEXT: llvm.bitcast %{{.*}} : i16 to bf16
// CHECK: llvm.bitcast %{{.*}} : i64 to f64
// CHECK: llvm.call @kinds(
llvm.func @kinds(%a: i1, %b: i32, %c: f16, %d: bf16, %e: f64, %x: i64, %y: i64, %z: i64) {
  llvm.return
}
llvm.func @__attn_launch_kinds(i1, i32, f16, bf16, f64, i64, i64, i64)

// -----

// Two launches share one launcher declaration, and an existing one is
// reused; a launch with only the grid gets a one-slot array nobody reads; a
// name taken by something else gets the trampoline renamed.

// CHECK-LABEL: module
// CHECK-COUNT-1: llvm.mlir.global external @attnrt_cpu_launcher
// CHECK-NOT: llvm.mlir.global external @attnrt_cpu_launcher
// CHECK-LABEL: llvm.func internal @__attn_launch_a(
// CHECK: llvm.mlir.constant(1 : i64) : i64
// CHECK-NOT: llvm.store
// CHECK: llvm.mlir.addressof @__attn_program_a_0 : !llvm.ptr
// CHECK-LABEL: llvm.func internal @__attn_program_a_0(
// CHECK-NOT: llvm.load
// CHECK: llvm.call @a(%{{.*}}, %{{.*}}, %{{.*}}) : (i64, i64, i64) -> ()
// CHECK-LABEL: llvm.func internal @__attn_launch_b(
// CHECK: llvm.mlir.addressof @__attn_program_b : !llvm.ptr
// CHECK-LABEL: llvm.func internal @__attn_program_b(
// CHECK: llvm.call @b(
// CHECK: llvm.func @__attn_program_a()
llvm.mlir.global external @attnrt_cpu_launcher() {addr_space = 0 : i32} : !llvm.struct<(ptr, ptr)>
llvm.func @a(%x: i64, %y: i64, %z: i64) {
  llvm.return
}
llvm.func @__attn_launch_a(i64, i64, i64)
llvm.func @b(%p: !llvm.ptr, %x: i64, %y: i64, %z: i64) {
  llvm.return
}
llvm.func @__attn_launch_b(!llvm.ptr, i64, i64, i64)
llvm.func @__attn_program_a() {
  llvm.return
}

// -----

// Nothing to launch: nothing changes, no launcher is declared.
// CHECK-LABEL: module
// CHECK-NOT: attnrt_cpu_launcher
// CHECK: llvm.func @__attn_program_plain
// CHECK-NOT: attnrt_cpu_launcher
llvm.func @__attn_program_plain() {
  llvm.return
}
