# Tests of the hotline intake (report form, status page, partner API,
# vault and cross-referencing), in process like the other server tests.
foreach(t test_intake_form test_intake_api)
  vg_add_test(${t} ${t}.c)
  target_link_libraries(${t} PRIVATE vigie_server PkgConfig::CURL PkgConfig::SQLITE3_TESTS)
  target_include_directories(${t} PRIVATE ${PROJECT_SOURCE_DIR}/src)
  vg_on_postgres(${t})
endforeach()
vg_add_test(test_intake_i18n test_intake_i18n.c)
target_link_libraries(test_intake_i18n PRIVATE vigie_server)
target_include_directories(test_intake_i18n PRIVATE ${PROJECT_SOURCE_DIR}/src)

# The public pages in Chromium, on a phone and a desktop, with axe-core on
# every page state (tests/e2e/public.mjs; skipped with 77 without Chromium).
# Thirty page states each checked by axe-core: on a loaded machine it needs
# more than the console's 300 s, so it keeps the script tests' 900 s.
vg_add_script_test(e2e_public ../e2e/run)
set_property(TEST e2e_public APPEND PROPERTY ENVIRONMENT
             "E2E_ARTIFACTS=${PROJECT_BINARY_DIR}/e2e-artifacts/public;E2E_SCRIPT=public")
set_property(TEST e2e_public PROPERTY TIMEOUT 900)
