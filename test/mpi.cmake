# test/mpi.cmake - data-parallel training under mpirun (registered when CMake found MPI): two
# ranks against one process, one rank bitwise, resume across rank counts, failing and killed
# ranks. Without MPI: the binary's refusal to run as several ranks.
if(AN_HAVE_MPI)
  an_add_test(test_mpi COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_mpi.sh LABELS train cli mpi
              ENV "MPIEXEC=${MPIEXEC_EXECUTABLE}" "POCL_DEVICES=pthread pthread" TIMEOUT 300)
else()
  an_add_test(test_mpi_absent COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_mpi_absent.sh
              LABELS cli)
endif()
