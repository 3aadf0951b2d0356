#!/bin/bash
# back-to-back: peak (1 core, 2 cores), kernel full/causal (1 and 2 threads), S=1024..4096, D=128, H=4
cd bench/experiments/kernel-ir
for r in 1 2; do
  ./peak 200000000 | grep avx512 | tail -1
  (./peak 200000000 > bench/experiments/kernel-ir/p1.txt & ./peak 200000000 > bench/experiments/kernel-ir/p2.txt; wait); echo "2-core: $(tail -1 p1.txt | awk "{print \$2}") + $(tail -1 p2.txt | awk "{print \$2}")"
  for S in 1024 2048 4096; do for t in 1 2; do ./pool $S 4 $t; ./poolc $S 4 $t causal; done; done
done
