# test/fuzz_regress.cmake - every fuzz harness (test/fuzz/) replayed, without libFuzzer
# (test/fuzz/driver.c), on its checked-in inputs test/fuzz/regress/TARGET/: the inputs that once
# crashed or broke a property (label: fuzz). Under CI's ASan+UBSan build they run sanitized.
foreach(t jpeg netdesc weights ckpt shard index stats classes)
  file(GLOB inputs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/regress/${t}/*)
  if(inputs)
    an_add_test(fuzz_regress_${t} SOURCES fuzz/fuzz_${t}.c fuzz/fuzz_util.c fuzz/driver.c
                ARGS ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/regress/${t} LABELS data fuzz TIMEOUT 120)
  endif()
endforeach()
