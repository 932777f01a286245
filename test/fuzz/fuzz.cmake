# test/fuzz/fuzz.cmake - the libFuzzer harnesses (-DALEXNET_FUZZ=ON, clang only; tools/fuzz.sh
# builds them into build-fuzz and runs one). Included from the top CMakeLists.txt before the
# library, so that the library is built with the same coverage and sanitizer flags: ASan and UBSan
# (every UBSan report aborts). The harnesses need no OpenCL device: parsers are host code.
if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "ALEXNET_FUZZ needs clang and its libFuzzer: CC=clang cmake -S . "
                      "-B build-fuzz -DALEXNET_FUZZ=ON (Debian: apt-get install clang)")
endif()
set(AN_FUZZ_SANITIZE -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
add_compile_options(-fsanitize=fuzzer-no-link ${AN_FUZZ_SANITIZE} -g)
add_link_options(${AN_FUZZ_SANITIZE})
set(AN_FUZZ_TARGETS jpeg netdesc weights ckpt shard index stats classes)
foreach(t ${AN_FUZZ_TARGETS})
  add_executable(fuzz_${t} test/fuzz/fuzz_${t}.c test/fuzz/fuzz_util.c)
  target_link_libraries(fuzz_${t} PRIVATE alexnetcl)
  target_link_options(fuzz_${t} PRIVATE -fsanitize=fuzzer)
endforeach()
add_executable(fuzz_make_seeds test/fuzz/make_seeds.c)
target_link_libraries(fuzz_make_seeds PRIVATE alexnetcl)
