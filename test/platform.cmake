# test/platform.cmake - Oclgrind as a second OpenCL platform beside PoCL, registered through
# OCL_ICD_VENDORS (a folder of .icd files made here in the build tree; /etc is not touched).
# Oclgrind's simulator reports itself as a GPU, so the GPU defaults apply on it (the CLBlast GEMM
# backend): the op tests run there at small shapes with the API, bounds and data-race checks on,
# and any report fails the test (test/platform_run.sh); a control kernel that writes past its
# buffer must be reported. Then the two-tower net trains on PoCL + Oclgrind, two platforms with a
# context each (host-staged crossovers, user events, pinned buffers), against one device; and
# `alexnet devices` must list both and keep PoCL, the real device, as the default.
find_file(AN_OCLGRIND_ICD liboclgrind-rt-icd.so PATHS /usr/lib/oclgrind
          /usr/lib/x86_64-linux-gnu/oclgrind NO_DEFAULT_PATH)
if(AN_OCLGRIND_ICD)
  set(icd ${CMAKE_CURRENT_BINARY_DIR}/icd)
  file(MAKE_DIRECTORY ${icd})
  file(WRITE ${icd}/oclgrind.icd "${AN_OCLGRIND_ICD}\n")
  file(GLOB sys_icds /etc/OpenCL/vendors/*.icd)
  if(sys_icds)
    file(COPY ${sys_icds} DESTINATION ${icd})
  endif()
  set(penv OCL_ICD_VENDORS=${icd} OCLGRIND_CHECK_API=1 OCLGRIND_DATA_RACES=1)
  set(run ${CMAKE_CURRENT_SOURCE_DIR}/platform_run.sh)
  an_add_test(test_platform_oob SOURCES test_platform_oob.c LABELS oclgrind platform
              COMMAND sh ${run} expect-error ${CMAKE_CURRENT_BINARY_DIR}/platform_oob.log
                      $<TARGET_FILE:test_platform_oob>
              ENV ${penv} ALEXNET_DEVICE=Oclgrind)
  foreach(op conv activation gemv concat dropout lrn pool sgd softmax)
    an_add_test(test_${op}_gpu_platform LABELS oclgrind platform TIMEOUT 600
                COMMAND sh ${run} expect-clean ${CMAKE_CURRENT_BINARY_DIR}/platform_${op}.log
                        $<TARGET_FILE:test_${op}> --small
                ENV ${penv} ALEXNET_DEVICE=Oclgrind)
  endforeach()
  an_add_test(test_model_split_platforms LABELS oclgrind platform net TIMEOUT 900
              COMMAND sh ${run} expect-clean ${CMAKE_CURRENT_BINARY_DIR}/platform_split.log
                      $<TARGET_FILE:test_model_split> alexnet-small 4 3 pthread,oclgrind
              ENV ${penv})
  an_add_test(test_cli_devices_platforms LABELS oclgrind platform cli
              COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_cli_devices_platforms.sh
              ENV ${penv})
endif()
