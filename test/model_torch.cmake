# test/model_torch.cmake - the model executor on whole nets against PyTorch fixtures made by
# tools/torch_reference.py (docs/TESTING-MODEL.md); label net. Each full-size net takes a few
# seconds once the kernels are cached (about 15 s more on a cold cache). test_features_torch runs
# `alexnet features` on a random torchvision AlexNet against the PyTorch model itself (needs
# /usr/bin/python3 with torch, torchvision and PIL, else skipped; about 25 s; label torch, so that
# the two-device pass, which checks nothing new on this one-tower net, leaves it out).
an_add_test(test_model_torch SOURCES test_model_torch.c ARGS alexnet-small LABELS net TIMEOUT 120)
an_add_test(test_model_torch_features COMMAND test_model_torch ARGS features LABELS net
            TIMEOUT 120)
an_add_test(test_model_torch_two COMMAND test_model_torch ARGS --two alexnet-small features
            LABELS net TIMEOUT 120)
an_add_test(test_model_torch_alexnet COMMAND test_model_torch ARGS alexnet LABELS net
            TIMEOUT 300)
an_add_test(test_model_torch_caffenet COMMAND test_model_torch ARGS caffenet LABELS net
            TIMEOUT 300)
an_add_test(test_model_torch_owt COMMAND test_model_torch ARGS alexnet-owt LABELS net
            TIMEOUT 300)
an_add_test(test_features_torch COMMAND /usr/bin/python3
            ${CMAKE_CURRENT_SOURCE_DIR}/test_features_torch.py LABELS torch TIMEOUT 180)
# The same nets with the convolution tuner's choices, as users train by default: ALEXNET_TUNE=retune
# times every shape afresh in each run (the choices read from no file) and keeps only candidates
# whose error stays within the tuner's accuracy factor of im2col's (host/ops/tune_accuracy.h).
# caffenet shares alexnet's conv shapes, so it runs in the same process on the same choices.
# Label tuned: CI runs them once, not again in its two-device and sanitizer passes.
an_add_test(test_model_torch_alexnet_tuned COMMAND test_model_torch ARGS alexnet caffenet
            LABELS net tuned TIMEOUT 600 ENV ALEXNET_TUNE=retune)
an_add_test(test_model_torch_owt_tuned COMMAND test_model_torch ARGS alexnet-owt
            LABELS net tuned TIMEOUT 600 ENV ALEXNET_TUNE=retune)
# Inference may choose the large Winograd tiles (F(4x4, 3x3), F(3x3, 5x5)), which training's
# forward may not (host/ops/tune.c): forced into conv2-5 of both full nets, the logits must still
# match PyTorch's; and the inference model with the tuner's own choices.
an_add_test(test_model_torch_infer_winograd COMMAND test_model_torch
            ARGS --infer winograd alexnet alexnet-owt LABELS net TIMEOUT 300)
an_add_test(test_model_torch_infer_tuned COMMAND test_model_torch ARGS --infer auto alexnet-owt
            LABELS net tuned TIMEOUT 600 ENV ALEXNET_TUNE=retune)
