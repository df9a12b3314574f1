# Installation and the Debian package (README, "Operator's guide"). `cmake --install` puts the
# executable in bin/ (daemon/CMakeLists.txt), and here: the config in <sysconfdir>/bounced (/etc
# for the /usr prefix the release preset and the package use), the systemd unit in
# lib/systemd/system, the shipped classifier rules (compiled into bounced; installed to read and
# to copy from) in share/bounced/rules, the README in share/doc/bounced.
set(BOUNCED_EXECUTABLE "${CMAKE_INSTALL_FULL_BINDIR}/bounced")
set(BOUNCED_CONFIG_DIR "${CMAKE_INSTALL_FULL_SYSCONFDIR}/bounced")
set(BOUNCED_CONFIG_FILE "${BOUNCED_CONFIG_DIR}/bounced.toml")
set(BOUNCED_DOC_DIR "${CMAKE_INSTALL_FULL_DOCDIR}")
set(BOUNCED_SYSTEMD_UNIT_DIR "lib/systemd/system" CACHE STRING
    "Where the systemd unit goes, below the install prefix (systemd reads /usr/lib and /usr/local/lib)")

# The unit names the installed executable and config.
configure_file(${PROJECT_SOURCE_DIR}/systemd/bounced.service.in ${PROJECT_BINARY_DIR}/systemd/bounced.service @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/systemd/bounced.service DESTINATION ${BOUNCED_SYSTEMD_UNIT_DIR})

# The default config is the sample: every setting at its default, each documented. A file already
# there is the operator's and is never overwritten by `cmake --install`.
install(CODE "
  if(EXISTS \"\$ENV{DESTDIR}${BOUNCED_CONFIG_FILE}\")
    message(STATUS \"Keeping: \$ENV{DESTDIR}${BOUNCED_CONFIG_FILE}\")
  else()
    file(INSTALL DESTINATION \"${BOUNCED_CONFIG_DIR}\" TYPE FILE RENAME bounced.toml
         FILES \"${PROJECT_SOURCE_DIR}/samples/bounced.toml\")
  endif()")

install(DIRECTORY ${PROJECT_SOURCE_DIR}/classifier/rules/ DESTINATION ${CMAKE_INSTALL_DATADIR}/bounced/rules
        FILES_MATCHING PATTERN "*.toml")
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
