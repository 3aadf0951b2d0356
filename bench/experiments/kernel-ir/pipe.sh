# PIPE: the upstream pipeline used for both formulations (CL = contract lowering strategy)
CL=${CL:-outerproduct}
PIPE="func.func(canonicalize,math-expand-ops{ops=exp2},test-math-polynomial-approximation,lower-vector-multi-reduction),convert-vector-to-scf,lower-affine,convert-scf-to-cf,canonicalize,cse,convert-vector-to-llvm{enable-x86vector vector-contract-lowering=$CL},convert-math-to-llvm,expand-strided-metadata,lower-affine,finalize-memref-to-llvm,convert-to-llvm,reconcile-unrealized-casts"
