# Tests of the analyst console (queue, claims, four-eyes, previews, case
# view), in process like the other server tests.
vg_add_test(test_console test_console.c)
target_link_libraries(test_console PRIVATE vigie_server vigie_encode_video PkgConfig::CURL
                      PkgConfig::SQLITE3_TESTS)
target_include_directories(test_console PRIVATE ${PROJECT_SOURCE_DIR}/src)
vg_on_postgres(test_console)
# The end-to-end test in Chromium (tests/e2e/run; skipped with 77 when
# Chromium or Node.js is missing on a developer machine).
vg_add_script_test(e2e_console ../e2e/run)
set_property(TEST e2e_console APPEND PROPERTY ENVIRONMENT "E2E_ARTIFACTS=${PROJECT_BINARY_DIR}/e2e-artifacts")
set_property(TEST e2e_console PROPERTY TIMEOUT 900)
# Alerts in the console: shown until acknowledged.
vg_add_test(test_console_alerts test_console_alerts.c)
target_link_libraries(test_console_alerts PRIVATE vigie_server PkgConfig::CURL
                      PkgConfig::SQLITE3_TESTS)
target_include_directories(test_console_alerts PRIVATE ${PROJECT_SOURCE_DIR}/src)
