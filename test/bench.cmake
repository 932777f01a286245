# test/bench.cmake - `alexnet bench`: per-layer times, rates, memory and crossover transfers on
# one and two devices (two PoCL pthread devices share this machine's cores).
an_add_test(test_cli_bench COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_cli_bench.sh
            LABELS cli ENV "POCL_DEVICES=pthread pthread" TIMEOUT 120)
an_add_test(test_cli_tune COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_cli_tune.sh
            LABELS cli TIMEOUT 600 ENV POCL_CACHE_DIR=${CMAKE_BINARY_DIR}/test-cache/pocl)
