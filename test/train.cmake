# test/train.cmake - `alexnet train`: learning, resume, signals, corrupt checkpoints, flags; the
# learning-rate schedule.
an_add_test(test_train COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_train.sh LABELS train cli
            ENV "POCL_DEVICES=pthread pthread" TIMEOUT 600)
an_add_test(test_feed SOURCES test_feed.c LABELS train)
an_add_test(test_schedule SOURCES test_schedule.c LABELS train)
an_add_test(test_train_schedule COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_train_schedule.sh
            LABELS train cli ENV "POCL_DEVICES=pthread pthread" TIMEOUT 300)
