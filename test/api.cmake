# test/api.cmake - the public API (include/alexnet/alexnet.h), the installed library and the
# ONNX export (labels api, cli). test_api_install installs the build into a temporary prefix and
# builds tools/examples/classify.c against it; test_onnx_export needs /usr/bin/python3 with onnx
# (python3-onnx) and onnxruntime (PyPI), else it is skipped.
# (test_api builds its kernels in about 40 s of CPU when the kernel cache is cold: the default
# timeout leaves room for a loaded machine and a sanitizer build.)
an_add_test(test_api SOURCES test_api.c ARGS ${CMAKE_CURRENT_BINARY_DIR}/api LABELS api)
an_add_test(test_api_devices SOURCES test_api_devices.c LABELS api)
set(AN_EXAMPLE_FLAGS "")
if(ALEXNET_ASAN)
  string(APPEND AN_EXAMPLE_FLAGS " -fsanitize=address")
endif()
if(ALEXNET_UBSAN)
  string(APPEND AN_EXAMPLE_FLAGS " -fsanitize=undefined")
endif()
an_add_test(test_api_install COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_api_install.sh
            ${CMAKE_BINARY_DIR} $<TARGET_FILE:test_api> ${CMAKE_CURRENT_BINARY_DIR}/api-install
            ${CMAKE_C_COMPILER} LABELS api cli ENV "EXAMPLE_FLAGS=${AN_EXAMPLE_FLAGS}")
an_add_test(test_onnx_export COMMAND /usr/bin/python3
            ${CMAKE_CURRENT_SOURCE_DIR}/test_onnx_export.py $<TARGET_FILE:test_api> ${CMAKE_CURRENT_BINARY_DIR}/onnx-export LABELS api cli)
