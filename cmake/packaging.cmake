# Installation and the Debian package (README, "Operator's guide"). `cmake --install` puts the
# executable in bin/ (daemon/CMakeLists.txt), and here: the config in <sysconfdir>/bounced (/etc
# for the /usr prefix the release preset and the package use), the systemd unit in
# lib/systemd/system, the shipped classifier rules and the fallback decoder's phrases (compiled into
# bounced; installed to read and to copy from) in share/bounced/rules and share/bounced/phrases, the README in share/doc/bounced (docs/ beside it). `cpack` (DEB) packs
# exactly that, with the maintainer scripts of systemd/debian. scripts/package-test checks it.
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
# there is the operator's and is never overwritten by `cmake --install` (the package marks it a
# conffile, so dpkg asks instead).
install(CODE "
  if(EXISTS \"\$ENV{DESTDIR}${BOUNCED_CONFIG_FILE}\")
    message(STATUS \"Keeping: \$ENV{DESTDIR}${BOUNCED_CONFIG_FILE}\")
  else()
    file(INSTALL DESTINATION \"${BOUNCED_CONFIG_DIR}\" TYPE FILE RENAME bounced.toml
         FILES \"${PROJECT_SOURCE_DIR}/samples/bounced.toml\")
  endif()")

install(DIRECTORY ${PROJECT_SOURCE_DIR}/classifier/rules/ DESTINATION ${CMAKE_INSTALL_DATADIR}/bounced/rules
        FILES_MATCHING PATTERN "*.toml")
# The fallback decoder's phrases, one file per language (compiled in too): share/bounced/phrases.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/parser/rules/ DESTINATION ${CMAKE_INSTALL_DATADIR}/bounced/phrases
        FILES_MATCHING PATTERN "*.toml")
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
# The long references the README links (docs/api.md, docs/performance.md), beside it as in the tree.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs FILES_MATCHING PATTERN "*.md")

# The package: bounced_VERSION_ARCH.deb. Library dependencies come from dpkg-shlibdeps (dpkg-dev);
# procps gives the unit's /bin/kill (ExecReload); the sqlite3 shell makes the README's backups.
set(BOUNCED_PACKAGE_CONTACT "bounced maintainers <root@localhost>" CACHE STRING "The package's Maintainer field")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME bounced)
set(CPACK_PACKAGE_CONTACT "${BOUNCED_PACKAGE_CONTACT}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "bounce-processing mail daemon")
set(CPACK_PACKAGE_DESCRIPTION
    "bounced takes bounces, complaints and auto-replies over LMTP, SMTP or a pipe, classifies them,\nstores one record per recipient in SQLite and serves them over HTTP.")
set(CPACK_PACKAGING_INSTALL_PREFIX "${CMAKE_INSTALL_PREFIX}")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION mail)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "procps")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "sqlite3")
file(WRITE ${PROJECT_BINARY_DIR}/debian/conffiles "${BOUNCED_CONFIG_FILE}\n")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_BINARY_DIR}/debian/conffiles
    ${PROJECT_SOURCE_DIR}/systemd/debian/postinst
    ${PROJECT_SOURCE_DIR}/systemd/debian/prerm
    ${PROJECT_SOURCE_DIR}/systemd/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_PACKAGE_DIRECTORY ${PROJECT_BINARY_DIR}/package)
include(CPack)
