# test/bench.cmake - `alexnet bench`: per-layer times, rates, memory and crossover transfers on
# one and two devices (two PoCL pthread devices share this machine's cores).
an_add_test(test_cli_bench COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_cli_bench.sh
            LABELS cli ENV "POCL_DEVICES=pthread pthread" TIMEOUT 120)
an_add_test(test_cli_tune COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_cli_tune.sh
            LABELS cli TIMEOUT 600)
# tools/bench_peers.sh with stand-in peers (the real ones need tools/setup.sh peers): the report's
# figures and ratios, skipped and failing peers, bad options.
an_add_test(test_bench_peers COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_bench_peers.sh
            LABELS cli TIMEOUT 300)
# tools/bench_ab.py: two settings in interleaved pairs, its table and its errors.
an_add_test(test_bench_ab COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_bench_ab.sh
            LABELS cli TIMEOUT 300)
