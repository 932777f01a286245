# test/data.cmake - the image data pipeline's tests (label: data). Fixtures are made at test time
# into the build tree by tools/make_image_fixtures.py (needs /usr/bin/python3 with PIL).
an_add_test(test_data_decode SOURCES test_data_decode.c LABELS data
            ARGS ${CMAKE_CURRENT_BINARY_DIR}/fixtures-decode TIMEOUT 120)
an_add_test(test_data_geometry SOURCES test_data_geometry.c LABELS data TIMEOUT 60)
an_add_test(test_data_augment SOURCES test_data_augment.c LABELS data TIMEOUT 60)
an_add_test(test_data_translate SOURCES test_data_translate.c LABELS data TIMEOUT 60)
an_add_test(test_data_erase SOURCES test_data_erase.c LABELS data TIMEOUT 60)
an_add_test(test_data_pipeline SOURCES test_data_pipeline.c LABELS data
            ARGS ${CMAKE_CURRENT_BINARY_DIR}/data-pipeline TIMEOUT 120)
an_add_test(test_data_bad SOURCES test_data_bad.c LABELS data
            ARGS ${CMAKE_CURRENT_BINARY_DIR}/fixtures-bad TIMEOUT 120)
an_add_test(test_data_fmnist SOURCES test_data_fmnist.c LABELS data
            ARGS ${CMAKE_CURRENT_BINARY_DIR}/fmnist TIMEOUT 120)
set_tests_properties(test_data_fmnist PROPERTIES SKIP_RETURN_CODE 77)
an_add_test(test_data_reuse SOURCES test_data_reuse.c LABELS data
            ARGS ${CMAKE_CURRENT_BINARY_DIR}/data-reuse TIMEOUT 120)
