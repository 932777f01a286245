# test/ops_gemm_conv.cmake - GEMM and convolution: the double references (finite differences),
# both GEMM backends and both convolution algorithms against them, and the own kernels under
# oclgrind (small shapes; an error oclgrind reports fails the test).
an_add_test(test_ref_conv SOURCES test_ref_conv.c LABELS ops)
an_add_test(test_gemm SOURCES test_gemm.c LABELS ops)
an_add_test(test_conv SOURCES test_conv.c LABELS ops)
an_add_test(test_conv_fft SOURCES test_conv_fft.c LABELS ops)
an_add_test(test_conv_fftgemm SOURCES test_conv_fftgemm.c LABELS ops)
an_add_test(test_conv_winograd SOURCES test_conv_winograd.c LABELS ops TIMEOUT 600)
an_add_test(test_conv_clblast COMMAND test_conv ARGS --small LABELS ops ENV ALEXNET_GEMM=clblast)
# the tiles for 8-float vectors (AVX2) whatever the device's width: test_conv runs the device's
# own, and the oclgrind run below the 16-float ones
an_add_test(test_conv_vw8 COMMAND test_conv ARGS --small LABELS ops ENV ALEXNET_GEMM_VW=8)

# Under oclgrind: out-of-bounds accesses, data races and API errors are written to the log; a
# non-empty log, a crash or a failing check fails the test. (--uninitialized is left out: the
# plugin of oclgrind 21.10 crashes with a segfault inside oclgrind on gemm_panel.) The simulator
# reports itself as a GPU, so ALEXNET_GEMM=own keeps the convolutions on the own GEMM kernels.
find_program(AN_OCLGRIND oclgrind)
if(AN_OCLGRIND)
  foreach(op gemm conv conv_winograd conv_fftgemm)
    set(log ${CMAKE_CURRENT_BINARY_DIR}/oclgrind_${op}.log)
    an_add_test(test_${op}_oclgrind COMMAND sh -c
                "rm -f \"$1\" && \"$0\" --log \"$1\" --check-api --data-races \"$2\" --small && ! test -s \"$1\" || { cat \"$1\" 2>/dev/null$<SEMICOLON> exit 1$<SEMICOLON> }"
                ${AN_OCLGRIND} ${log} $<TARGET_FILE:test_${op}>
                LABELS oclgrind TIMEOUT 600 ENV ALEXNET_KERNEL_CACHE=off ALEXNET_GEMM=own)
  endforeach()
  # the CPU devices' path: the tiled convolution forward (16-float vectors) and the packed
  # GEMM, which gathers the convolutions' columns from their inputs
  set(log ${CMAKE_CURRENT_BINARY_DIR}/oclgrind_conv_packed.log)
  an_add_test(test_conv_packed_oclgrind COMMAND sh -c
              "rm -f \"$1\" && \"$0\" --log \"$1\" --check-api --data-races \"$2\" --small && ! test -s \"$1\" || { cat \"$1\" 2>/dev/null$<SEMICOLON> exit 1$<SEMICOLON> }"
              ${AN_OCLGRIND} ${log} $<TARGET_FILE:test_conv>
              LABELS oclgrind TIMEOUT 600
              ENV ALEXNET_KERNEL_CACHE=off ALEXNET_GEMM=own ALEXNET_GEMM_PATH=packed
                  ALEXNET_GEMM_VW=16)
endif()

# The convolution tuner: it sets its own temporary XDG_CACHE_HOME; PoCL's compiled kernels stay
# in the tests' cache (test/CMakeLists.txt), so only the first run pays for building them.
an_add_test(test_tune SOURCES test_tune.c LABELS ops TIMEOUT 600
            ENV ALEXNET_TUNE=on)
