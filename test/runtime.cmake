# test/runtime.cmake - the OpenCL runtime and the first CLI commands.
an_add_test(test_runtime SOURCES test_runtime.c LABELS runtime)
an_add_test(test_runtime_two_devices COMMAND test_runtime LABELS runtime
            ENV "POCL_DEVICES=pthread pthread")
an_add_test(test_cli_devices COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_cli_devices.sh
            $<TARGET_FILE:test_runtime> LABELS runtime cli ENV "POCL_DEVICES=pthread pthread")
an_add_test(test_cli_help COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_cli_help.sh LABELS cli)
an_add_test(test_gpu_check COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_gpu_check.sh
            LABELS runtime cli)
an_add_test(test_limits SOURCES test_limits.c LABELS runtime)
