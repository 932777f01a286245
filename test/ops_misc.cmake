# test/ops_misc.cmake - activation, dropout, softmax cross-entropy, SGD, concat/split: the CPU
# references against finite differences, the OpenCL kernels against the references, and the
# kernels under oclgrind (small shapes; any error oclgrind reports fails the test).
an_add_test(test_ref_misc SOURCES test_ref_misc.c LABELS ops)
foreach(op activation dropout softmax sgd concat)
  an_add_test(test_${op} SOURCES test_${op}.c LABELS ops)
endforeach()

find_program(AN_OCLGRIND oclgrind)
if(AN_OCLGRIND)
  foreach(op activation dropout softmax sgd concat)
    # oclgrind prints its diagnostics to the log; a non-empty log or a failing test fails.
    set(log ${CMAKE_CURRENT_BINARY_DIR}/oclgrind_${op}.log)
    an_add_test(test_${op}_oclgrind COMMAND sh -c
                "rm -f \"$1\" && \"$0\" --log \"$1\" --check-api --uninitialized --data-races \"$2\" --small && ! test -s \"$1\" || { cat \"$1\" 2>/dev/null; exit 1; }"
                ${AN_OCLGRIND} ${log} $<TARGET_FILE:test_${op}>
                LABELS oclgrind TIMEOUT 600 ENV ALEXNET_KERNEL_CACHE=off)
  endforeach()
endif()
