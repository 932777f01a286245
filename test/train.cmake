# test/train.cmake - `alexnet train`: learning, resume, signals, corrupt checkpoints, flags.
an_add_test(test_train COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_train.sh LABELS train cli
            ENV "POCL_DEVICES=pthread pthread" TIMEOUT 600)
an_add_test(test_feed SOURCES test_feed.c LABELS train)
an_add_test(test_tensorboard SOURCES test_tensorboard.c LABELS train)
an_add_test(test_finetune COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_finetune.sh
            $<TARGET_FILE:test_tensorboard> LABELS train cli TIMEOUT 300)
set_tests_properties(test_finetune PROPERTIES SKIP_RETURN_CODE 77)
