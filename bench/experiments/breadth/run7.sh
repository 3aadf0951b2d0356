#!/usr/bin/env bash
# run6.sh with shorter limits (about 250 s in all), for the last of a session's device budget;
# the MLA benchmark without the paged comparison.
T_HOST=30 T_MLA=55 T_RACE=50 T_RACE_MLA=35 T_TESTS=45 T_BENCH=35 \
  MLA_BENCH_ARGS="--reps 5 --inner 3 --no-paged" exec "$(dirname "$0")/run6.sh" "$@"
