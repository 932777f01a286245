# test/ops_lrn_pool.cmake - LRN and pooling: the CPU references against finite differences and
# PyTorch, the OpenCL kernels against the references, and the kernels under oclgrind.
an_add_test(test_ref_lrn_pool SOURCES test_ref_lrn_pool.c LABELS ops)
an_add_test(test_lrn SOURCES test_lrn.c LABELS ops)
an_add_test(test_pool SOURCES test_pool.c LABELS ops)
