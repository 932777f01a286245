# test/ops_gemm_conv.cmake - GEMM and convolution: the double references (finite differences),
# both GEMM backends and both convolution algorithms against them, and the own kernels under
# oclgrind (small shapes; an error oclgrind reports fails the test).
an_add_test(test_ref_conv SOURCES test_ref_conv.c LABELS ops)
an_add_test(test_gemm SOURCES test_gemm.c LABELS ops)
an_add_test(test_conv SOURCES test_conv.c LABELS ops)
