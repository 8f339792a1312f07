/*
 * tests/store/contract.h - the store's contract as a suite of checks that
 * every backend must pass (store/store.h and the table groups' headers).
 *
 * The suite goes through the transaction port only (vg_store_write,
 * vg_store_read and the vg_tx_* operations), so it knows nothing of SQL or
 * files: a backend's test program (test_store_sqlite.c, later PostgreSQL's)
 * describes how to make an empty store location and how to damage an audit
 * log behind the store's back, and runs the suite. Each check starts from
 * an empty location of its own, so that what it expects (counts, sequence
 * numbers, ids in order) does not depend on the checks before it.
 *
 * Times given to the store are fixed (around 1700000000), not the clock.
 */
#ifndef VIGIE_TESTS_STORE_CONTRACT_H
#define VIGIE_TESTS_STORE_CONTRACT_H

#include <stddef.h>
#include <stdint.h>

typedef struct store_contract_backend {
    const char *name;
    void *ctx;
    /* Make a new, empty store location (what vg_store_open takes) into
     * location[cap]. 1 on success. */
    int (*create)(void *ctx, char *location, size_t cap);
    /* Remove a location made by create, once its store is closed. */
    void (*destroy)(void *ctx, const char *location);
    /* What someone with write access to the database could do to the
     * audit log, with the store closed and whatever guards the backend
     * has (triggers, permissions) out of the way: set field ("time",
     * "actor", "action", "target", "detail" or "hash") of entry seq to
     * value (text; a decimal number for "time"), or remove entries first
     * to last. 1 when done. NULL: the checks that need them are skipped. */
    int (*audit_alter)(void *ctx, const char *location, int64_t seq, const char *field,
                       const char *value);
    int (*audit_remove)(void *ctx, const char *location, int64_t first, int64_t last);
    /* Damage every packed day of statistics' facts (stats_packs) as how
     * says: "flip" one byte inside each blob, "cut" its last bytes, "move"
     * the last day's pack to the next day, "drop" the first day's pack,
     * "drop_last" the last day's (their rows stay). 1 when done; NULL: those checks skipped. */
    int (*packs_damage)(void *ctx, const char *location, const char *how);
} store_contract_backend;

/* Notices and routes of a database made before notices kept their host
 * (SQLite's migration 22, PostgreSQL's 17), for each backend's migration
 * test; the reports with receipt codes N1, N2 and N3 must exist. N1's
 * notice was sent to its second address's AS (its provider), N2's to none
 * (the first address then), N3's route is not JSON, N3's second notice
 * has no route. STORE_NOTICE_HOSTING_CHECKS: what the migration must
 * give, as (query, 1) pairs. */
#define STORE_NOTICE_REPORT(code) "(SELECT id FROM reports WHERE receipt_code = '" code "')"
#define STORE_NOTICE_HOSTING_OLD                                                                  \
    "INSERT INTO url_routes(report_id, url, state, actions, reasons, country, partner, hosting,"  \
    " created_at) VALUES"                                                                         \
    " (" STORE_NOTICE_REPORT("N1") ", 'https://a.test/', 'approved', 'notice_host', 'x', 'DE',"  \
    "  '', '{\"host\":\"a.test\",\"addresses\":[{\"ip\":\"192.0.2.1\",\"asn\":64500,"             \
    "\"as_name\":\"One AS\",\"country\":\"FR\"},{\"ip\":\"192.0.2.2\",\"asn\":64501,"            \
    "\"as_name\":\"Two AS\",\"country\":\"DE\"}]}', 1),"                                          \
    " (" STORE_NOTICE_REPORT("N2") ", 'https://b.test/', 'approved', 'notice_host', 'x', 'NL',"  \
    "  '', '{\"addresses\":[{\"asn\":64502,\"as_name\":\"Three\",\"country\":\"NL\"}]}', 2),"    \
    " (" STORE_NOTICE_REPORT("N3") ", 'https://c.test/', 'approved', 'notice_host', 'x', '',"    \
    "  '', 'not json', 3);"                                                                       \
    "INSERT INTO notices(report_id, case_id, url, state, contact, language, provider,"          \
    " token_hash, material_sha256, material_pdq, created_at) VALUES"                              \
    " (" STORE_NOTICE_REPORT("N1") ", 1, 'https://a.test/', 'sent', 'abuse@two.test', '',"      \
    "  'Two AS', 't1', '', '', 1),"                                                               \
    " (" STORE_NOTICE_REPORT("N2") ", 1, 'https://b.test/', 'no_contact', '', '', '', 't2', '',"\
    "  '', 2),"                                                                                   \
    " (" STORE_NOTICE_REPORT("N3") ", 1, 'https://c.test/', 'sent', 'x@c.test', '', 'C', 't3',"  \
    "  '', '', 3),"                                                                               \
    " (" STORE_NOTICE_REPORT("N3") ", 1, 'https://d.test/', 'sent', 'x@d.test', '', 'D', 't4',"  \
    "  '', '', 4);"
#define STORE_NOTICE_HOSTING_CHECKS                                                               \
    {"SELECT count(*) FROM notices WHERE url = 'https://a.test/' AND asn = 64501"                 \
     " AND as_name = 'Two AS' AND host_country = 'DE'",                                           \
     "SELECT count(*) FROM notices WHERE url = 'https://b.test/' AND asn = 64502"                 \
     " AND as_name = 'Three' AND host_country = 'NL'",                                            \
     "SELECT count(*) FROM notices WHERE url IN ('https://c.test/', 'https://d.test/')"           \
     " AND asn = 0 AND as_name = '' AND host_country = ''"}
#define STORE_NOTICE_HOSTING_WANT {1, 1, 2}
/* Statistics' facts as migration 19 (PostgreSQL's 14) left them, which
 * SQLite's migration 25 (PostgreSQL's 22) must compute again for every
 * report: N1 under the host its notice was sent to, N2 under its route's
 * first address (its notice found no contact), N3 under no AS (its route is
 * not JSON) and its notice's provider. */
#define STORE_FACTS_STALE                                                                         \
    "DELETE FROM stats_facts;"                                                                    \
    "INSERT INTO stats_facts(id, case_id, created_at, asn, provider, route)"                      \
    " SELECT id, case_id, created_at, 'AS1', 'stale', 'stale' FROM reports;"
#define STORE_FACTS_CHECKS                                                                        \
    {"SELECT count(*) FROM stats_facts WHERE id = " STORE_NOTICE_REPORT("N1")                     \
     " AND asn = 'AS64501' AND provider = 'Two AS' AND route = 'notice_host'"                     \
     " AND host_country = 'DE'",                                                                  \
     "SELECT count(*) FROM stats_facts WHERE id = " STORE_NOTICE_REPORT("N2")                     \
     " AND asn = 'AS64502' AND provider = 'Three' AND route = 'notice_host'",                     \
     "SELECT count(*) FROM stats_facts WHERE id = " STORE_NOTICE_REPORT("N3")                     \
     " AND asn IS NULL AND provider = 'C' AND route = 'notice_host'",                             \
     "SELECT count(*) FROM stats_facts WHERE asn = 'AS1' OR provider = 'stale'"}
#define STORE_FACTS_WANT {1, 1, 1, 0}

/* Run every check of the contract against backend, printing one line per
 * group (and each failed check) on stderr. Returns how many checks failed:
 * 0 when the backend keeps the contract. */
int store_contract_run(const store_contract_backend *backend);

#endif
