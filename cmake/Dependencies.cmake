# cmake/Dependencies.cmake - find the libraries alexnet-cl needs; a missing one names its Debian package.
find_package(Threads REQUIRED)

find_package(OpenCL QUIET)
if(NOT OpenCL_FOUND)
  message(FATAL_ERROR "OpenCL not found. On Debian: apt-get install ocl-icd-opencl-dev opencl-headers "
                      "pocl-opencl-icd (or run tools/setup.sh).")
endif()

find_package(CLBlast CONFIG QUIET)
if(NOT CLBlast_FOUND)
  message(FATAL_ERROR "CLBlast not found. On Debian: apt-get install libclblast-dev (or run tools/setup.sh).")
endif()

find_package(clFFT CONFIG QUIET)
if(NOT clFFT_FOUND)
  message(FATAL_ERROR "clFFT not found. On Debian: apt-get install libclfft-dev (or run tools/setup.sh).")
endif()

find_package(PkgConfig QUIET)
if(PkgConfig_FOUND)
  pkg_check_modules(TURBOJPEG QUIET IMPORTED_TARGET libturbojpeg)
  pkg_check_modules(LIBJPEG QUIET IMPORTED_TARGET libjpeg)
endif()
if(NOT TURBOJPEG_FOUND)
  message(FATAL_ERROR "libjpeg-turbo (TurboJPEG API) not found through pkg-config. On Debian: "
                      "apt-get install libturbojpeg0-dev pkg-config (or run tools/setup.sh).")
endif()
if(NOT LIBJPEG_FOUND)
  message(FATAL_ERROR "libjpeg-turbo (libjpeg API) not found through pkg-config. On Debian: "
                      "apt-get install libjpeg62-turbo-dev pkg-config (or run tools/setup.sh).")
endif()

# MPI (optional): `mpirun -np N alexnet train` trains data-parallel (host/train/distributed.h).
# Without it the binary is as before and refuses to run as several ranks.
option(ALEXNET_MPI "Data-parallel training over MPI when an MPI is found" ON)
set(AN_HAVE_MPI OFF)
if(ALEXNET_MPI)
  find_package(MPI COMPONENTS C QUIET)
  if(MPI_C_FOUND)
    set(AN_HAVE_MPI ON)
    message(STATUS "MPI found (${MPI_C_LIBRARIES}): data-parallel training on")
  else()
    message(STATUS "MPI not found: no data-parallel training (apt-get install libopenmpi-dev "
                   "openmpi-bin, or tools/setup.sh)")
  endif()
endif()
