# cmake/Library.cmake - alexnet-cl as an installed library (docs/API.md): the static library
# (alexnetcl, everything under host/ but the CLI) and a shared one made of the public API
# (host/api/) over it, both named libalexnet; headers, alexnet.pc and the CMake package
# alexnet-cl (targets alexnet-cl::alexnet, shared, and alexnet-cl::alexnet_static).
# Everything is compiled with hidden visibility: only AN_API declarations are exported.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

file(READ ${CMAKE_SOURCE_DIR}/include/alexnet/alexnet.h AN_API_HEADER)
foreach(part MAJOR MINOR PATCH)
  string(REGEX MATCH "#define AN_VERSION_${part} ([0-9]+)" _ "${AN_API_HEADER}")
  if(NOT CMAKE_MATCH_1 STREQUAL PROJECT_VERSION_${part})
    message(FATAL_ERROR "include/alexnet/alexnet.h: AN_VERSION_${part} is '${CMAKE_MATCH_1}', "
                        "the project's version ${PROJECT_VERSION} says ${PROJECT_VERSION_${part}}")
  endif()
endforeach()

set_target_properties(alexnetcl PROPERTIES POSITION_INDEPENDENT_CODE ON
                      C_VISIBILITY_PRESET hidden OUTPUT_NAME alexnet EXPORT_NAME alexnet_static)
# Installed users see only include/; the build tree also host/ (the internal headers).
set(AN_BUILD_INCLUDES ${CMAKE_SOURCE_DIR}/include ${CMAKE_SOURCE_DIR}/host)
set_target_properties(alexnetcl PROPERTIES INTERFACE_INCLUDE_DIRECTORIES
    "$<BUILD_INTERFACE:${AN_BUILD_INCLUDES}>;$<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>")

file(GLOB AN_API_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/host/api/*.c)
add_library(alexnet_shared SHARED ${AN_API_SOURCES})
target_link_libraries(alexnet_shared PRIVATE alexnetcl)
target_link_options(alexnet_shared PRIVATE -Wl,--no-undefined)
target_include_directories(alexnet_shared INTERFACE
                           $<BUILD_INTERFACE:${CMAKE_SOURCE_DIR}/include>
                           $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
set_target_properties(alexnet_shared PROPERTIES OUTPUT_NAME alexnet EXPORT_NAME alexnet
                      C_VISIBILITY_PRESET hidden VERSION ${PROJECT_VERSION}
                      SOVERSION ${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR})

install(TARGETS alexnetcl alexnet_shared EXPORT alexnet-clTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(FILES include/alexnet/alexnet.h include/alexnet/status.h include/alexnet/export.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/alexnet)
install(EXPORT alexnet-clTargets NAMESPACE alexnet-cl::
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/alexnet-cl)
configure_package_config_file(cmake/alexnet-clConfig.cmake.in
                              ${CMAKE_BINARY_DIR}/alexnet-clConfig.cmake
                              INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/alexnet-cl)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/alexnet-clConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/alexnet-clConfig.cmake
              ${CMAKE_BINARY_DIR}/alexnet-clConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/alexnet-cl)
# A static link needs the MPI libraries too when the library was built with them.
set(AN_PC_LIBS_PRIVATE "-lpthread -lm")
if(AN_HAVE_MPI)
  foreach(lib IN LISTS MPI_C_LIBRARIES)
    string(APPEND AN_PC_LIBS_PRIVATE " ${lib}")
  endforeach()
endif()
configure_file(cmake/alexnet.pc.in ${CMAKE_BINARY_DIR}/alexnet.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/alexnet.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
