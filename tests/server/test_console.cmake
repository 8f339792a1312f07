# Tests of the analyst console (queue, claims, four-eyes, previews, case
# view), in process like the other server tests.
vg_add_test(test_console test_console.c)
target_link_libraries(test_console PRIVATE vigie_server PkgConfig::CURL PkgConfig::SQLITE3_TESTS)
target_include_directories(test_console PRIVATE ${PROJECT_SOURCE_DIR}/src)
