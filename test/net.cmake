# test/net.cmake - net descriptions, parameter layout, initialisation and weights files
# (label: net). test_weights_py runs the Python tools against the C code (needs /usr/bin/python3
# with numpy, and torch + torchvision for the converter part).
an_add_test(test_netdesc SOURCES test_netdesc.c LABELS net TIMEOUT 120)
an_add_test(test_weights SOURCES test_weights.c LABELS net TIMEOUT 120)
an_add_test(test_weights_py COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/test_weights_py.py
            $<TARGET_FILE:test_weights> LABELS net TIMEOUT 300)
an_add_test(test_cli_summary COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_cli_summary.sh
            LABELS net cli TIMEOUT 60)
an_add_test(test_cli_filters COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/test_cli_filters.py
            LABELS net cli TIMEOUT 60)
