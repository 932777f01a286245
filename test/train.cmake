# test/train.cmake - `alexnet train`: learning, resume, signals, corrupt checkpoints, flags; the
# learning-rate schedule.
an_add_test(test_train COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_train.sh LABELS train cli
            ENV "POCL_DEVICES=pthread pthread" TIMEOUT 600)
an_add_test(test_feed SOURCES test_feed.c LABELS train)
an_add_test(test_tensorboard SOURCES test_tensorboard.c LABELS train)
an_add_test(test_finetune COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_finetune.sh
            $<TARGET_FILE:test_tensorboard> LABELS train cli TIMEOUT 300)
set_tests_properties(test_finetune PROPERTIES SKIP_RETURN_CODE 77)
an_add_test(test_schedule SOURCES test_schedule.c LABELS train)
an_add_test(test_train_config SOURCES test_train_config.c LABELS train)
an_add_test(test_train_schedule COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_train_schedule.sh
            LABELS train cli ENV "POCL_DEVICES=pthread pthread" TIMEOUT 300)
