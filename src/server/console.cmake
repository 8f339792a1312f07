# The analyst console (src/server/console*, assess*, preview*, case*,
# priority*): queue, assessment with four-eyes, previews, case view.
# Included from CMakeLists.txt of this folder.
pkg_check_modules(PNG_CONSOLE REQUIRED IMPORTED_TARGET libpng)
target_sources(vigie_server PRIVATE
  ${CMAKE_CURRENT_SOURCE_DIR}/console.c
  ${CMAKE_CURRENT_SOURCE_DIR}/assess.c
  ${CMAKE_CURRENT_SOURCE_DIR}/preview.c
  ${CMAKE_CURRENT_SOURCE_DIR}/case.c
  ${CMAKE_CURRENT_SOURCE_DIR}/priority.c)
target_link_libraries(vigie_server PUBLIC PkgConfig::PNG_CONSOLE)
