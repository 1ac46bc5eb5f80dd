# `make package`: the Debian package (CPack DEB) from the release build: /usr/bin/sockit with
# its man page (help2man over --help) and bash completion, the sockit-chat service with its
# /etc/default settings, and the library's headers, archives, CMake package and pkg-config
# file. The release preset installs to /usr and sets SOCKIT_PACKAGE, which adds the service
# and its settings (under /etc for the prefix /usr, else below the prefix); other builds
# install only the command and the library.
option(SOCKIT_PACKAGE "Install the service and its /etc settings too (the Debian package)" OFF)

find_program(HELP2MAN_PROGRAM help2man)
if(HELP2MAN_PROGRAM)
  add_custom_command(
    OUTPUT ${PROJECT_BINARY_DIR}/sockit.1.gz
    COMMAND ${PROJECT_SOURCE_DIR}/tools/make-man $<TARGET_FILE:sockit> ${PROJECT_BINARY_DIR}/sockit.1
    COMMAND gzip -9nf ${PROJECT_BINARY_DIR}/sockit.1
    DEPENDS sockit ${PROJECT_SOURCE_DIR}/tools/make-man
    COMMENT "Writing the sockit(1) man page"
    VERBATIM)
  add_custom_target(sockit_man ALL DEPENDS ${PROJECT_BINARY_DIR}/sockit.1.gz)
  install(FILES ${PROJECT_BINARY_DIR}/sockit.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT runtime)
endif()
install(FILES ${PROJECT_SOURCE_DIR}/packaging/sockit.bash-completion
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME sockit COMPONENT runtime)
if(SOCKIT_PACKAGE)
  install(FILES ${PROJECT_SOURCE_DIR}/packaging/sockit-chat.service DESTINATION lib/systemd/system
          COMPONENT runtime)
  # /etc/default/sockit-chat for the prefix /usr, PREFIX/etc/default otherwise (GNUInstallDirs'
  # rule), decided when installing: `cmake --install --prefix DIR` writes nothing outside DIR
  # (CMAKE_INSTALL_FULL_SYSCONFDIR would be the configured prefix's, /etc for the package).
  # file(INSTALL) puts DESTDIR (CPack's staging directory) in front by itself.
  install(CODE "
    set(CMAKE_INSTALL_SYSCONFDIR \"${CMAKE_INSTALL_SYSCONFDIR}\")
    set(CMAKE_INSTALL_LIBDIR \"${CMAKE_INSTALL_LIBDIR}\")  # known: GNUInstallDirs need not guess it
    include(GNUInstallDirs)
    GNUInstallDirs_get_absolute_install_dir(sockit_sysconfdir CMAKE_INSTALL_SYSCONFDIR SYSCONFDIR)
    file(INSTALL DESTINATION \"\${sockit_sysconfdir}/default\" TYPE FILE
         RENAME sockit-chat FILES \"${PROJECT_SOURCE_DIR}/packaging/sockit-chat.default\")"
    COMPONENT runtime)
endif()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME sockit)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "sockit developers <sockit@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "C++20 socket toolkit: chat room, echo, shop, HTTP, nc, IP tools")
set(CPACK_PACKAGE_DESCRIPTION "The sockit command (TCP/UDP/Unix sockets, concurrent servers, a chat
room with web page, TLS, accounts and clustering, a static web server and HTTP client, a
netcat-style debugging assistant, IP and DNS tools, TCP tracing) and its C++ library.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Building against the library (find_package, pkg-config) needs these headers too.
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "g++, cmake, pkg-config, libboost1.81-dev, libboost-json1.81-dev, \
libboost-url1.81-dev, libssl-dev, libsqlite3-dev, libicu-dev, libfmt-dev, libspdlog-dev, libhiredis-dev, liburing-dev, libedit-dev, libpcap-dev")
set(CPACK_SET_DESTDIR ON)  # /etc/default/sockit-chat lies outside the prefix /usr
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${PROJECT_SOURCE_DIR}/packaging/conffiles)
include(CPack)
