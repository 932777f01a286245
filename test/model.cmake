# test/model.cmake - the model on one and two devices, for training and for inference.
set(AN_TWO_DEVICES "POCL_DEVICES=pthread pthread")
an_add_test(test_model_split SOURCES test_model_split.c ARGS alexnet-small 4 3
            LABELS net ENV ${AN_TWO_DEVICES})
an_add_test(test_model_split_host_staged COMMAND test_model_split ARGS alexnet-small 4 3
            LABELS net ENV ${AN_TWO_DEVICES} ALEXNET_SEPARATE_CONTEXTS=1)
an_add_test(test_model_split_alexnet COMMAND test_model_split ARGS alexnet 2 3
            LABELS net slow ENV ${AN_TWO_DEVICES} TIMEOUT 900)
an_add_test(test_model_tune SOURCES test_model_tune.c ARGS alexnet-small 4 LABELS net
            TIMEOUT 600 ENV ALEXNET_TUNE=on)
an_add_test(test_model_infer SOURCES test_model_infer.c ARGS alexnet-small 4
            LABELS net ENV ${AN_TWO_DEVICES})
an_add_test(test_model_infer_host_staged COMMAND test_model_infer ARGS alexnet-small 3
            LABELS net ENV ${AN_TWO_DEVICES} ALEXNET_SEPARATE_CONTEXTS=1)
# The issue's target: alexnet-owt's inference within 1.2 x (weights + two largest activations)
an_add_test(test_model_infer_owt COMMAND test_model_infer ARGS alexnet-owt 1 1.2 LABELS net)
# Winograd's forward in an inference model keeps its filters' transform: against im2col, and
# after new weights are set
an_add_test(test_model_infer_winograd COMMAND test_model_infer ARGS alexnet-small 4 0 winograd
            LABELS net ENV ${AN_TWO_DEVICES})
# An inference model's fc layers from the weights it keeps packed at 24 images (on CPU devices),
# and from the parameters at 23 (too few rows for whole column panels), before and after new
# weights are set
an_add_test(test_model_infer_fc_packed COMMAND test_model_infer ARGS alexnet-small 24
            LABELS net ENV ${AN_TWO_DEVICES})
an_add_test(test_features SOURCES test_features.c LABELS net ENV ${AN_TWO_DEVICES} TIMEOUT 120)
an_add_test(test_freeze SOURCES test_freeze.c LABELS net ENV ${AN_TWO_DEVICES} TIMEOUT 120)
