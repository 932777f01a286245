# test/ops_lrn_pool.cmake - LRN and pooling: the CPU references against finite differences and
# PyTorch, the OpenCL kernels against the references, and the kernels under oclgrind.
an_add_test(test_ref_lrn_pool SOURCES test_ref_lrn_pool.c LABELS ops)
an_add_test(test_lrn SOURCES test_lrn.c LABELS ops)
an_add_test(test_pool SOURCES test_pool.c LABELS ops)

# The same binaries on their small shapes inside oclgrind's simulated device, which reports
# out-of-bounds accesses, data races and API misuse on stderr without changing the exit status:
# any such report fails the test. (--uninitialized is left out: oclgrind 21.10's plugin stops
# at the `freeze` instruction that current clang emits.)
find_program(AN_OCLGRIND oclgrind)
if(AN_OCLGRIND)
  foreach(t test_lrn test_pool)
    an_add_test(${t}_oclgrind
                COMMAND ${AN_OCLGRIND} --check-api --data-races $<TARGET_FILE:${t}>
                ARGS --small LABELS oclgrind ENV ALEXNET_KERNEL_CACHE=off TIMEOUT 120)
    set_tests_properties(${t}_oclgrind PROPERTIES FAIL_REGULAR_EXPRESSION
      "Invalid (read|write)|[Dd]ata race|Uninitiali[sz]ed|OCLGRIND FATAL|Oclgrind - |Kernel: ")
  endforeach()
endif()
