# test/ops_misc.cmake - activation, the small-batch fc GEMV, dropout, softmax cross-entropy,
# SGD, concat/split: the CPU references against finite differences, the OpenCL kernels against
# the references, and the kernels under oclgrind.
an_add_test(test_ref_misc SOURCES test_ref_misc.c LABELS ops)
foreach(op activation gemv dropout softmax sgd concat)
  an_add_test(test_${op} SOURCES test_${op}.c LABELS ops)
endforeach()

# The same binaries on small shapes inside oclgrind's simulated device. oclgrind reports
# out-of-bounds accesses, data races and API misuse on stderr without changing the exit status,
# so any such report fails the test (as in ops_lrn_pool.cmake; --uninitialized is left out for
# the reason given there).
find_program(AN_OCLGRIND oclgrind)
if(AN_OCLGRIND)
  foreach(op activation gemv dropout softmax sgd concat)
    an_add_test(test_${op}_oclgrind
                COMMAND ${AN_OCLGRIND} --check-api --data-races $<TARGET_FILE:test_${op}>
                ARGS --small LABELS oclgrind ENV ALEXNET_KERNEL_CACHE=off TIMEOUT 300)
    set_tests_properties(test_${op}_oclgrind PROPERTIES FAIL_REGULAR_EXPRESSION
      "Invalid (read|write)|[Dd]ata race|Uninitiali[sz]ed|OCLGRIND FATAL|Oclgrind - |Kernel: ")
  endforeach()
endif()
