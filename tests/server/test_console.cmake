# Tests of the analyst console (queue, claims, four-eyes, previews, case
# view), in process like the other server tests.
vg_add_test(test_console test_console.c)
target_link_libraries(test_console PRIVATE vigie_server vigie_encode_video vigie_encode PkgConfig::CURL
                      PkgConfig::SQLITE3_TESTS)
target_include_directories(test_console PRIVATE ${PROJECT_SOURCE_DIR}/src)
vg_on_postgres(test_console)
# What the user review of issue 12 asked: reporter fields, views, disputes,
# inherited and reopened decisions, administration.
vg_add_test(test_console_review test_console_review.c)
target_link_libraries(test_console_review PRIVATE vigie_server PkgConfig::CURL
                      PkgConfig::SQLITE3_TESTS)
target_include_directories(test_console_review PRIVATE ${PROJECT_SOURCE_DIR}/src)
vg_on_postgres(test_console_review)
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
vg_on_postgres(test_console_alerts)
# What the review of issue 12 asked of the console and the administration
# pages, on a server of its own (tests/e2e/review.mjs).
vg_add_script_test(e2e_review ../e2e/run)
set_property(TEST e2e_review APPEND PROPERTY ENVIRONMENT
             "E2E_ARTIFACTS=${PROJECT_BINARY_DIR}/e2e-artifacts/review;E2E_SCRIPT=review")
set_property(TEST e2e_review PROPERTY TIMEOUT 600)
# Notices in the console and the host's /notice/{token} page.
vg_add_test(test_console_notices test_console_notices.c)
target_link_libraries(test_console_notices PRIVATE vigie_server PkgConfig::CURL
                      PkgConfig::SQLITE3_TESTS)
target_include_directories(test_console_notices PRIVATE ${PROJECT_SOURCE_DIR}/src)
vg_on_postgres(test_console_notices)
# The statistics on the console's page and GET /api/v1/stats (issue 17).
vg_add_test(test_stats_pages test_stats_pages.c)
target_link_libraries(test_stats_pages PRIVATE vigie_server PkgConfig::CURL PkgConfig::SQLITE3_TESTS)
target_include_directories(test_stats_pages PRIVATE ${PROJECT_SOURCE_DIR}/src)
vg_on_postgres(test_stats_pages)
# The blocking list's console pages (issue 16): proposals, four-eyes
# approval, the list's filters, renewals, appeals.
vg_add_test(test_console_blocklist test_console_blocklist.c)
target_link_libraries(test_console_blocklist PRIVATE vigie_server PkgConfig::CURL
                      PkgConfig::SQLITE3_TESTS)
target_include_directories(test_console_blocklist PRIVATE ${PROJECT_SOURCE_DIR}/src)
vg_on_postgres(test_console_blocklist)
# The blocking list's console pages in the browser, with axe-core
# (tests/e2e/blocklist.mjs).
vg_add_script_test(e2e_blocklist ../e2e/run)
set_property(TEST e2e_blocklist APPEND PROPERTY ENVIRONMENT
             "E2E_ARTIFACTS=${PROJECT_BINARY_DIR}/e2e-artifacts/blocklist;E2E_SCRIPT=blocklist")
set_property(TEST e2e_blocklist PROPERTY TIMEOUT 600)
# The quarantine of a bank entry that suddenly matches far more than usual
# (issue 19): held at intake, its matches for analysts, released by an
# administrator.
vg_add_test(test_quarantine test_quarantine.c)
target_link_libraries(test_quarantine PRIVATE vigie_server PkgConfig::CURL PkgConfig::SQLITE3_TESTS)
target_include_directories(test_quarantine PRIVATE ${PROJECT_SOURCE_DIR}/src)
vg_on_postgres(test_quarantine)
# A hotline's own VICS category tables on the banks page (issue 19).
vg_add_test(test_vics_tables test_vics_tables.c)
target_link_libraries(test_vics_tables PRIVATE vigie_server PkgConfig::CURL PkgConfig::SQLITE3_TESTS)
target_include_directories(test_vics_tables PRIVATE ${PROJECT_SOURCE_DIR}/src)
vg_on_postgres(test_vics_tables)
# The provider page: time to removal per provider and AS (issue 15).
vg_add_test(test_console_providers test_console_providers.c)
target_link_libraries(test_console_providers PRIVATE vigie_server PkgConfig::CURL
                      PkgConfig::SQLITE3_TESTS)
target_include_directories(test_console_providers PRIVATE ${PROJECT_SOURCE_DIR}/src)
vg_on_postgres(test_console_providers)
# The staff pages in every catalogue language, and the account's language.
vg_add_test(test_console_i18n test_console_i18n.c)
target_link_libraries(test_console_i18n PRIVATE vigie_server PkgConfig::CURL
                      PkgConfig::SQLITE3_TESTS)
target_include_directories(test_console_i18n PRIVATE ${PROJECT_SOURCE_DIR}/src)
vg_on_postgres(test_console_i18n)
