# test/eval.cmake - evaluation (host/train/evaluate.h) and `alexnet eval`/`classify`/`features`,
# and tools/plot_log.py and plot_confusion.py (labels train, cli). test_cli_eval.sh makes its fixtures with
# `test_eval --fixtures`, runs eval on two PoCL devices when there are two, and needs
# /usr/bin/python3 (with numpy, PIL, and matplotlib for the plots).
an_add_test(test_eval SOURCES test_eval.c ARGS ${CMAKE_CURRENT_BINARY_DIR}/eval-lib
            LABELS train TIMEOUT 120)
an_add_test(test_cli_eval COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_cli_eval.sh
            $<TARGET_FILE:test_eval> ${CMAKE_CURRENT_BINARY_DIR}/eval-cli LABELS cli train
            ENV "POCL_DEVICES=pthread pthread" TIMEOUT 120)
