# `cmake --install`: the sockit command, the library's archives and headers, a CMake package
# (find_package(sockit CONFIG): sockit::core … sockit::sockit) and a pkg-config file (sockit.pc).
# Nothing of src/ is installed: the internal headers stay internal.
include(CMakePackageConfigHelpers)

set(SOCKIT_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/sockit)

install(TARGETS sockit RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime)
install(TARGETS ${SOCKIT_LIBRARY_TARGETS} EXPORT sockitTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT development)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/sockit DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        COMPONENT development)
install(EXPORT sockitTargets NAMESPACE sockit:: DESTINATION ${SOCKIT_CMAKE_DIR} COMPONENT development)

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/sockitConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/sockitConfig.cmake
                              INSTALL_DESTINATION ${SOCKIT_CMAKE_DIR})
# 0.x: a minor version may change the API.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/sockitConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/sockitConfig.cmake ${PROJECT_BINARY_DIR}/sockitConfigVersion.cmake
        DESTINATION ${SOCKIT_CMAKE_DIR} COMPONENT development)

# Relocatable: the prefix is found from where sockit.pc lies (`cmake --install --prefix P`).
file(RELATIVE_PATH SOCKIT_PC_TO_PREFIX /p/${CMAKE_INSTALL_LIBDIR}/pkgconfig /p)
configure_file(${PROJECT_SOURCE_DIR}/cmake/sockit.pc.in ${PROJECT_BINARY_DIR}/sockit.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/sockit.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig
        COMPONENT development)
