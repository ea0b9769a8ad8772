# Installing memtorture and packing it as a Debian package: `cpack -G DEB` in the build tree
# (tests/integration/package/package_test.sh builds, inspects, installs and removes it).
include(GNUInstallDirs)

install(TARGETS memtortured DESTINATION ${CMAKE_INSTALL_SBINDIR})
install(TARGETS memtorturectl DESTINATION ${CMAKE_INSTALL_BINDIR})
# The daemon finds its worker at ../lib/memtorture/ from its own directory (daemon/daemon.cc).
install(TARGETS memtorture-worker DESTINATION ${CMAKE_INSTALL_LIBDIR}/memtorture)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/configs/ DESTINATION ${CMAKE_INSTALL_DATADIR}/memtorture/configs)
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${PROJECT_SOURCE_DIR}/packaging/memtortured.service DESTINATION lib/systemd/system)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME memtorture)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "memtorture developers <memtorture@example.org>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "measures whether memory freed through RCU keeps up with reclaim under pressure")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "memtortured runs campaigns: RCU callback floods and reclaim workloads in memory-limited
 cgroups, with PSI, OOM proximity, grace-period latency and the memory waiting in RCU measured,
 and reactions when pressure crosses a line. memtorturectl runs and watches them from YAML
 campaign files and renders HTML reports.")
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# Libraries from the binaries (dpkg-shlibdeps); what they run or read at run time by name.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libjs-dygraphs")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "stress-ng, chromium")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    "${PROJECT_SOURCE_DIR}/packaging/postinst;${PROJECT_SOURCE_DIR}/packaging/prerm;${PROJECT_SOURCE_DIR}/packaging/postrm")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
include(CPack)
