/*
 * src/store/sqlite/migrate.c - the SQLite schema and its migrations.
 */
#include <stdio.h>
#include <string.h>

#include "store/sqlite/sqlite.h"

/* Statistics' facts (migration 19): a change marks the reports ids (a
 * SELECT, inside a trigger) names as dirty; their rows are recomputed later
 * (vg_tx_stats_fold), and read from stats_fact_source until then. */
#define SQ_FACTS_MARK(ids)                                                                    \
    "INSERT INTO stats_dirty(report_id) " ids " ON CONFLICT(report_id) DO NOTHING;"
#define SQ_FACTS_ON(name, event, ids)                                                         \
    "CREATE TRIGGER stats_facts_" name " AFTER " event " BEGIN " SQ_FACTS_MARK(ids) "END;"
/* A table of rows belonging to a report (report_id): adding or removing
 * one, or changing a column statistics read, marks its report. (The
 * SELECTs end with a WHERE so that SQLite's parser does not read ON
 * CONFLICT as a join's ON.) */
#define SQ_FACTS_OF_REPORT(table, columns)                                                    \
    SQ_FACTS_ON(table "_added", "INSERT ON " table, "SELECT NEW.report_id WHERE 1")         \
    SQ_FACTS_ON(table "_changed", "UPDATE OF " columns " ON " table,                        \
                "SELECT OLD.report_id UNION SELECT NEW.report_id WHERE 1")                    \
    SQ_FACTS_ON(table "_removed", "DELETE ON " table, "SELECT OLD.report_id WHERE 1")

/* Each entry moves the schema from version i to i + 1; never edit one that
 * has shipped, append a new one. */
static const char *const migrations[] = {
    /* 1: the first schema of the hotline server. */
    "CREATE TABLE settings(name TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE cases(id INTEGER PRIMARY KEY, created_at INTEGER NOT NULL,"
    "  status TEXT NOT NULL DEFAULT 'open');"
    "CREATE TABLE reports(id INTEGER PRIMARY KEY, public_id TEXT NOT NULL UNIQUE,"
    "  receipt_code TEXT NOT NULL UNIQUE, receipt_secret_hash TEXT, source TEXT NOT NULL,"
    "  api_key_id INTEGER, case_id INTEGER NOT NULL REFERENCES cases(id),"
    "  status TEXT NOT NULL DEFAULT 'received', category TEXT, platform TEXT, account TEXT,"
    "  occurred_at TEXT, description TEXT, reporter_kind TEXT, language TEXT, country TEXT,"
    "  contact TEXT, client_ip TEXT, user_agent TEXT, extra_json TEXT,"
    "  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
    "CREATE INDEX reports_account ON reports(account, platform) WHERE account IS NOT NULL;"
    "CREATE INDEX reports_created ON reports(created_at);"
    "CREATE TABLE report_urls(id INTEGER PRIMARY KEY,"
    "  report_id INTEGER NOT NULL REFERENCES reports(id), url TEXT NOT NULL,"
    "  canonical TEXT NOT NULL);"
    "CREATE INDEX report_urls_canonical ON report_urls(canonical);"
    "CREATE INDEX report_urls_report ON report_urls(report_id);"
    "CREATE TABLE report_files(id INTEGER PRIMARY KEY,"
    "  report_id INTEGER NOT NULL REFERENCES reports(id), vault_id TEXT, filename TEXT,"
    "  content_type TEXT, size INTEGER, md5 TEXT, sha1 TEXT, sha256 TEXT, pdq TEXT,"
    "  pdq_quality INTEGER, known INTEGER NOT NULL DEFAULT 0, bank TEXT, bank_entry TEXT,"
    "  distance INTEGER);"
    "CREATE INDEX report_files_sha256 ON report_files(sha256);"
    "CREATE INDEX report_files_report ON report_files(report_id);"
    "CREATE TABLE accounts(id INTEGER PRIMARY KEY, username TEXT NOT NULL UNIQUE,"
    "  password_hash TEXT NOT NULL, role INTEGER NOT NULL, disabled INTEGER NOT NULL DEFAULT 0,"
    "  failed_logins INTEGER NOT NULL DEFAULT 0, locked_until INTEGER NOT NULL DEFAULT 0,"
    "  totp_secret TEXT, totp_last_step INTEGER NOT NULL DEFAULT 0,"
    "  created_at INTEGER NOT NULL);"
    "CREATE TABLE sessions(token_hash TEXT PRIMARY KEY, account_id INTEGER NOT NULL,"
    "  csrf_token TEXT NOT NULL, totp_pending INTEGER NOT NULL DEFAULT 0,"
    "  created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL);"
    "CREATE INDEX sessions_account ON sessions(account_id);"
    "CREATE TABLE api_keys(id INTEGER PRIMARY KEY, prefix TEXT NOT NULL UNIQUE,"
    "  key_hash TEXT NOT NULL UNIQUE, org TEXT NOT NULL, rate INTEGER NOT NULL DEFAULT 0,"
    "  revoked INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL);"
    "CREATE TABLE idempotency_keys(api_key_id INTEGER NOT NULL, key TEXT NOT NULL,"
    "  report_id INTEGER NOT NULL, response TEXT, created_at INTEGER NOT NULL,"
    "  PRIMARY KEY(api_key_id, key));"
    "CREATE TABLE audit(seq INTEGER PRIMARY KEY, time INTEGER NOT NULL, actor TEXT NOT NULL,"
    "  action TEXT NOT NULL, target TEXT NOT NULL, detail TEXT NOT NULL,"
    "  prev_hash TEXT NOT NULL, hash TEXT NOT NULL);"
    "CREATE TABLE audit_head(id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL,"
    "  hash TEXT NOT NULL);"
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
    "  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
    "  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;",
    /* 2: the analyst console's tables (store_console.c), which that module
     * first created on its own; IF NOT EXISTS keeps such databases valid. */
    "CREATE TABLE IF NOT EXISTS console_items(report_id INTEGER PRIMARY KEY,"
    "  version INTEGER NOT NULL DEFAULT 0, state TEXT NOT NULL DEFAULT 'open',"
    "  claimed_by TEXT, claimed_at INTEGER, first_by TEXT, first_json TEXT,"
    "  first_key TEXT, second_by TEXT, second_json TEXT, decided_by TEXT,"
    "  final_json TEXT, legal TEXT, severity TEXT, age TEXT, updated_at INTEGER);"
    "CREATE TABLE IF NOT EXISTS console_bank(sha256 TEXT PRIMARY KEY, pdq TEXT,"
    "  legal TEXT NOT NULL, severity TEXT, age TEXT, report_id INTEGER NOT NULL,"
    "  added_at INTEGER NOT NULL);",
    /* 3: idempotency keys are forgotten by age. */
    "CREATE INDEX IF NOT EXISTS idempotency_created ON idempotency_keys(created_at);",
    /* 4: how far the queue trusts each partner key (0-100, priority.trusted_source
     * scales with it), and the audit entries of one target (a case's timeline)
     * without reading the whole log. */
    ("ALTER TABLE api_keys ADD COLUMN trust INTEGER NOT NULL DEFAULT 50;"
     "CREATE INDEX audit_target ON audit(target);"),
    /* 5: sign-in throttling moves out of accounts into a table keyed by a
     * keyed hash of the name, so a name that has no account is throttled
     * exactly like one that has (same answers, same writes); an
     * idempotency key remembers the request it answered; a report keeps
     * the fingerprint of what it locates (near-identical reports share
     * one assessment); "action-taken" said more than was done: a report is
     * "assessed". */
    ("CREATE TABLE login_throttle(key TEXT PRIMARY KEY, failures INTEGER NOT NULL DEFAULT 0,"
     "  locked_until INTEGER NOT NULL DEFAULT 0, locks INTEGER NOT NULL DEFAULT 0,"
     "  updated_at INTEGER NOT NULL);"
     "ALTER TABLE accounts DROP COLUMN failed_logins;"
     "ALTER TABLE accounts DROP COLUMN locked_until;"
     "ALTER TABLE idempotency_keys ADD COLUMN request_hash TEXT;"
     "ALTER TABLE reports ADD COLUMN content_key TEXT;"
     "CREATE INDEX reports_content ON reports(case_id, content_key);"
     "UPDATE reports SET status = 'assessed' WHERE status = 'action-taken';"),
    /* 6: background jobs leased by one node at a time (store/jobs.h), and
     * the console's items found by state (the queue reads the open ones). */
    ("CREATE TABLE jobs(name TEXT PRIMARY KEY, node TEXT, lease_until INTEGER NOT NULL DEFAULT 0,"
     "  next_run INTEGER NOT NULL DEFAULT 0);"
     "CREATE INDEX IF NOT EXISTS console_items_state ON console_items(state);"),
    /* 7: a video's fingerprint match (the shares of frames and the
     * segments that matched), for the person who looks at it. */
    "ALTER TABLE report_files ADD COLUMN video_match TEXT;",
    /* 8: a sender may say a child is in danger now; such reports, and live
     * abuse, raise an alert (store/alerts.h): one delivery per channel,
     * every attempt kept, shown in the console until acknowledged. */
    ("ALTER TABLE reports ADD COLUMN danger INTEGER NOT NULL DEFAULT 0;"
     "CREATE TABLE alerts(id INTEGER PRIMARY KEY,"
     "  report_id INTEGER NOT NULL UNIQUE REFERENCES reports(id), reason TEXT NOT NULL,"
     "  created_at INTEGER NOT NULL, acked_by TEXT, acked_at INTEGER NOT NULL DEFAULT 0);"
     "CREATE INDEX alerts_unacked ON alerts(id) WHERE acked_at = 0;"
     "CREATE TABLE alert_deliveries(id INTEGER PRIMARY KEY,"
     "  alert_id INTEGER NOT NULL REFERENCES alerts(id), channel TEXT NOT NULL,"
     "  attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL,"
     "  delivered_at INTEGER NOT NULL DEFAULT 0, last_error TEXT, UNIQUE(alert_id, channel));"
     "CREATE INDEX alert_deliveries_due ON alert_deliveries(next_at) WHERE delivered_at = 0;"
     "CREATE TABLE alert_attempts(id INTEGER PRIMARY KEY,"
     "  delivery_id INTEGER NOT NULL REFERENCES alert_deliveries(id), at INTEGER NOT NULL,"
     "  delivered INTEGER NOT NULL, detail TEXT);"
     "CREATE INDEX alert_attempts_delivery ON alert_attempts(delivery_id);"),
    /* 9: what each partner key may do (model/people.h, VG_SCOPE_*), as
     * words; keys made before could send reports, and still can. */
    "ALTER TABLE api_keys ADD COLUMN scopes TEXT NOT NULL DEFAULT 'report';",
    /* 10: the routes of confirmed URLs (store/routes.h): who must act on
     * each, and the hosting facts it rests on. */
    ("CREATE TABLE url_routes(id INTEGER PRIMARY KEY, report_id INTEGER NOT NULL,"
     "  url TEXT NOT NULL, state TEXT NOT NULL, actions TEXT NOT NULL, reasons TEXT NOT NULL,"
     "  country TEXT NOT NULL, partner TEXT NOT NULL, hosting TEXT NOT NULL,"
     "  created_at INTEGER NOT NULL, UNIQUE(report_id, url));"),
    /* 11: a decision taken without anyone looking remembers the report it
     * came from (reopening that report reopens it too), filled in for the
     * copies decided before; the organisation's bank entries of one report
     * are found to be removed; the audit log is searched by actor, action
     * and time. */
    ("ALTER TABLE console_items ADD COLUMN decided_from INTEGER;"
     "UPDATE console_items SET decided_from = CAST(json_extract(final_json, '$.of') AS INTEGER)"
     "  WHERE state = 'auto' AND json_valid(final_json)"
     "  AND json_extract(final_json, '$.of') IS NOT NULL;"
     "CREATE INDEX console_items_from ON console_items(decided_from)"
     "  WHERE decided_from IS NOT NULL;"
     "CREATE INDEX console_bank_report ON console_bank(report_id);"
     "CREATE INDEX audit_actor ON audit(actor);"
     "CREATE INDEX audit_action ON audit(action);"
     "CREATE INDEX audit_time ON audit(time);"),
    /* 12: which fingerprint found a file's bank match (VG_MATCH_*): a
     * match after trimming borders or by local features is shown as such. */
    "ALTER TABLE report_files ADD COLUMN match_signal TEXT;",
    /* 13 (routing_deliveries): a route approved by a person, or
     * automatically for known material, and what its approval sends: each
     * forward to a partner hotline and each referral is a delivery tried
     * until taken, then a forward is polled for what the partner did; and
     * what was done about a report, as its sender reads it
     * (store/routes.h). */
    ("ALTER TABLE url_routes ADD COLUMN changed_by TEXT NOT NULL DEFAULT '';"
     "ALTER TABLE url_routes ADD COLUMN decided_by TEXT NOT NULL DEFAULT '';"
     "ALTER TABLE url_routes ADD COLUMN decided_at INTEGER NOT NULL DEFAULT 0;"
     "CREATE TABLE routing_deliveries(id INTEGER PRIMARY KEY,"
     "  route_id INTEGER NOT NULL REFERENCES url_routes(id), report_id INTEGER NOT NULL,"
     "  kind TEXT NOT NULL, target TEXT NOT NULL, url TEXT NOT NULL,"
     "  attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL,"
     "  sent_at INTEGER NOT NULL DEFAULT 0, reference TEXT NOT NULL DEFAULT '',"
     "  last_error TEXT NOT NULL DEFAULT '', poll_at INTEGER NOT NULL DEFAULT 0,"
     "  created_at INTEGER NOT NULL, UNIQUE(route_id, kind, target));"
     "CREATE INDEX routing_deliveries_due ON routing_deliveries(next_at) WHERE sent_at = 0;"
     "CREATE INDEX routing_deliveries_poll ON routing_deliveries(poll_at) WHERE poll_at > 0;"
     "CREATE INDEX routing_deliveries_report ON routing_deliveries(report_id);"
     "CREATE TABLE routing_actions(id INTEGER PRIMARY KEY, report_id INTEGER NOT NULL,"
     "  type TEXT NOT NULL, at INTEGER NOT NULL, to_whom TEXT NOT NULL,"
     "  reference TEXT NOT NULL, url TEXT NOT NULL, by_whom TEXT NOT NULL,"
     "  UNIQUE(report_id, type, url, to_whom, reference));"),
    /* 14 (notices_init): notices to hosts (store/notices.h), one per
     * route's URL, with every timestamp the statistics need, and their
     * history: each check's custody record, each message, each
     * reappearance. */
    ("CREATE TABLE notices(id INTEGER PRIMARY KEY, report_id INTEGER NOT NULL,"
     "  case_id INTEGER NOT NULL, url TEXT NOT NULL, state TEXT NOT NULL,"
     "  contact TEXT NOT NULL, language TEXT NOT NULL, provider TEXT NOT NULL,"
     "  token_hash TEXT NOT NULL, material_sha256 TEXT NOT NULL, material_pdq TEXT NOT NULL,"
     "  confirmed INTEGER NOT NULL DEFAULT 0, sent_count INTEGER NOT NULL DEFAULT 0,"
     "  created_at INTEGER NOT NULL, first_sent_at INTEGER NOT NULL DEFAULT 0,"
     "  last_sent_at INTEGER NOT NULL DEFAULT 0, acked_at INTEGER NOT NULL DEFAULT 0,"
     "  host_removed_at INTEGER NOT NULL DEFAULT 0, removed_at INTEGER NOT NULL DEFAULT 0,"
     "  verified_at INTEGER NOT NULL DEFAULT 0, escalated_at INTEGER NOT NULL DEFAULT 0,"
     "  reappeared_at INTEGER NOT NULL DEFAULT 0, reappeared_count INTEGER NOT NULL DEFAULT 0,"
     "  next_check_at INTEGER NOT NULL DEFAULT 0, last_check_at INTEGER NOT NULL DEFAULT 0,"
     "  UNIQUE(report_id, url));"
     "CREATE INDEX notices_due ON notices(next_check_at) WHERE next_check_at > 0;"
     "CREATE INDEX notices_case ON notices(case_id);"
     "CREATE INDEX notices_token ON notices(token_hash) WHERE token_hash <> '';"
     "CREATE INDEX notices_material ON notices(material_sha256) WHERE material_sha256 <> '';"
     "CREATE TABLE notices_events(id INTEGER PRIMARY KEY,"
     "  notice_id INTEGER NOT NULL REFERENCES notices(id), at INTEGER NOT NULL,"
     "  kind TEXT NOT NULL, detail TEXT NOT NULL);"
     "CREATE INDEX notices_events_notice ON notices_events(notice_id);"),
    /* 15: what the APIs other systems speak keep between calls
     * (store/exchange.h): the settings of the banks HMA clients curate,
     * the content they add, and the CyberTipline-style reports still open
     * (and, for a day, those finished), shared by every node. */
    ("CREATE TABLE exchange_banks(name TEXT PRIMARY KEY, enabled_ratio REAL NOT NULL,"
     "  deleted INTEGER NOT NULL DEFAULT 0, created_by TEXT, created_at INTEGER NOT NULL,"
     "  changed_at INTEGER NOT NULL);"
     "CREATE TABLE exchange_bank_content(entry INTEGER PRIMARY KEY, bank TEXT NOT NULL,"
     "  bank_id TEXT NOT NULL, disable_until INTEGER NOT NULL DEFAULT 0, note TEXT,"
     "  metadata TEXT, signals TEXT NOT NULL, created_at INTEGER NOT NULL);"
     "CREATE INDEX exchange_content_disabled ON exchange_bank_content(disable_until)"
     "  WHERE disable_until > 0;"
     "CREATE TABLE exchange_open_reports(id INTEGER PRIMARY KEY, api_key_id INTEGER NOT NULL,"
     "  opened_at INTEGER NOT NULL, changed_at INTEGER NOT NULL,"
     "  finished_at INTEGER NOT NULL DEFAULT 0, expires_at INTEGER NOT NULL, draft TEXT);"
     "CREATE INDEX exchange_reports_due ON exchange_open_reports(expires_at);"),
    /* 16 (tlog_init): the blocking list's transparency log (store/tlog.h):
     * its entries in order, the hashes of complete subtrees at tile levels,
     * its signed checkpoints. */
    ("CREATE TABLE tlog_entries(idx INTEGER PRIMARY KEY, entry TEXT NOT NULL);"
     "CREATE TABLE tlog_hashes(level INTEGER NOT NULL, idx INTEGER NOT NULL,"
     "  hash TEXT NOT NULL, PRIMARY KEY(level, idx)) WITHOUT ROWID;"
     "CREATE TABLE tlog_checkpoints(size INTEGER PRIMARY KEY, note TEXT NOT NULL,"
     "  at INTEGER NOT NULL);"),
    /* 17 (blocklist_init): the blocking list (store/blocklist.h): an entry
     * per URL or domain, proposed and approved by two people, with its
     * legal basis and term; the list's version, which members' updates
     * count from; the appeals against it. A target has one entry proposed
     * or listed at a time. */
    ("CREATE TABLE blocklist(id INTEGER PRIMARY KEY, target TEXT NOT NULL, kind TEXT NOT NULL,"
     "  route_id INTEGER NOT NULL, report_id INTEGER NOT NULL, proposed_by TEXT NOT NULL,"
     "  proposed_at INTEGER NOT NULL, approved_by TEXT NOT NULL DEFAULT '',"
     "  approved_at INTEGER NOT NULL DEFAULT 0, legal_basis TEXT NOT NULL,"
     "  category TEXT NOT NULL, starts_at INTEGER NOT NULL DEFAULT 0,"
     "  expires_at INTEGER NOT NULL DEFAULT 0, review_at INTEGER NOT NULL DEFAULT 0,"
     "  state TEXT NOT NULL, removal_reason TEXT NOT NULL DEFAULT '',"
     "  removed_at INTEGER NOT NULL DEFAULT 0, renewal_by TEXT NOT NULL DEFAULT '',"
     "  listed_version INTEGER NOT NULL DEFAULT 0, removed_version INTEGER NOT NULL DEFAULT 0);"
     "CREATE UNIQUE INDEX blocklist_live ON blocklist(target)"
     "  WHERE state IN ('proposed', 'listed');"
     "CREATE INDEX blocklist_report ON blocklist(report_id);"
     "CREATE INDEX blocklist_expiry ON blocklist(expires_at) WHERE state = 'listed';"
     "CREATE INDEX blocklist_listed ON blocklist(listed_version) WHERE listed_version > 0;"
     "CREATE TABLE blocklist_version(id INTEGER PRIMARY KEY CHECK (id = 1),"
     "  version INTEGER NOT NULL);"
     "INSERT INTO blocklist_version VALUES(1, 0);"
     "CREATE TABLE blocklist_appeals(id INTEGER PRIMARY KEY, entry_id INTEGER NOT NULL,"
     "  url TEXT NOT NULL, reason TEXT NOT NULL, contact TEXT NOT NULL,"
     "  created_at INTEGER NOT NULL, state TEXT NOT NULL, decided_by TEXT NOT NULL DEFAULT '',"
     "  decided_at INTEGER NOT NULL DEFAULT 0, decision TEXT NOT NULL DEFAULT '');"
     "CREATE INDEX blocklist_appeals_state ON blocklist_appeals(state);"
     "CREATE INDEX blocklist_appeals_entry ON blocklist_appeals(entry_id);"),
    /* 18: the crawl job's targets (store/crawl.h). */
    "CREATE TABLE crawl_targets(id INTEGER PRIMARY KEY, url TEXT NOT NULL UNIQUE,"
    "  origin TEXT NOT NULL, report_id INTEGER NOT NULL DEFAULT 0,"
    "  case_id INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL,"
    "  last_crawl_at INTEGER NOT NULL DEFAULT 0, next_due_at INTEGER NOT NULL DEFAULT 0,"
    "  pages INTEGER NOT NULL DEFAULT 0, media INTEGER NOT NULL DEFAULT 0,"
    "  known INTEGER NOT NULL DEFAULT 0, found INTEGER NOT NULL DEFAULT 0,"
    "  last_error TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX crawl_targets_due ON crawl_targets(next_due_at);",
    /* 19 (stats_facts): one row per report with everything statistics
     * count (store/stats.h), so that a year is one range scan instead of
     * eleven lookups per report. stats_fact_source computes a report's row
     * from the tables it rests on. A write only marks the reports it
     * touches in stats_dirty (one small insert a row changed, whichever
     * use case made it); a read takes the rows of clean reports from
     * stats_facts and those of dirty ones from the view, so figures are
     * always current, and the stats job folds the dirty ones into
     * stats_facts in small batches. A report's "duplicate" depends on the
     * earlier reports of its case: a report added to, moved between or
     * removed from a case marks the later ones. */
    /* (+a.action: the claim is found through the report's few audit
     * entries, audit_target, never through every claim, audit_action, which
     * SQLite may take on a database never analysed) */
    ("CREATE VIEW stats_fact_source AS SELECT r.id AS id, r.case_id AS case_id,"
     "  r.created_at AS created_at,"
     "  COALESCE((SELECT MIN(a.time) FROM audit a WHERE a.target = 'report:' || r.id"
     "    AND +a.action = 'item.claim'), 0) AS first_look_at,"
     "  CASE WHEN i.state IN ('confirmed', 'auto') THEN COALESCE(i.updated_at, 0) ELSE 0 END"
     "    AS decided_at,"
     "  EXISTS(SELECT 1 FROM reports p WHERE p.case_id = r.case_id AND p.id < r.id) AS duplicate,"
     "  (SELECT COUNT(*) FROM report_files f WHERE f.report_id = r.id) AS files,"
     "  (SELECT COUNT(*) FROM report_files f WHERE f.report_id = r.id AND f.known = 1)"
     "    AS known_files,"
     "  (SELECT COUNT(*) FROM report_files f WHERE f.report_id = r.id AND f.known = 2)"
     "    AS claimed_files,"
     "  (SELECT COUNT(*) FROM report_files f WHERE f.report_id = r.id"
     "    AND f.content_type LIKE 'video/%') AS videos,"
     "  (SELECT COUNT(*) FROM report_urls l WHERE l.report_id = r.id) AS urls,"
     "  r.source AS source, r.reporter_kind AS reporter_kind, r.category AS category,"
     "  r.language AS language, r.country AS country, i.state AS state, i.legal AS legal,"
     "  i.severity AS severity, i.age AS age,"
     "  NULLIF(u.country, '') AS host_country,"
     "  CASE WHEN json_valid(u.hosting) AND json_extract(u.hosting, '$[0].asn') > 0"
     "    THEN 'AS' || json_extract(u.hosting, '$[0].asn') END AS asn,"
     "  COALESCE(NULLIF(nf.provider, ''), CASE WHEN json_valid(u.hosting)"
     "    THEN NULLIF(json_extract(u.hosting, '$[0].as_name'), '') END) AS provider,"
     "  CASE WHEN u.id IS NOT NULL THEN u.actions END AS route,"
     "  (SELECT COUNT(*) FROM notices n WHERE n.report_id = r.id AND n.first_sent_at > 0)"
     "    AS notices,"
     "  (SELECT COALESCE(SUM(CASE WHEN sent_count > 1 THEN sent_count - 1 ELSE 0 END), 0)"
     "    FROM notices n WHERE n.report_id = r.id) AS renotices,"
     "  (SELECT COUNT(*) FROM notices n WHERE n.report_id = r.id AND n.escalated_at > 0)"
     "    AS escalations,"
     "  (SELECT COALESCE(SUM(reappeared_count), 0) FROM notices n WHERE n.report_id = r.id)"
     "    AS reappearances,"
     "  (SELECT COALESCE(MIN(first_sent_at), 0) FROM notices n WHERE n.report_id = r.id"
     "    AND n.first_sent_at > 0) AS notice_at,"
     "  (SELECT CASE WHEN SUM(first_sent_at > 0) > 0"
     "    AND SUM(first_sent_at > 0 AND removed_at = 0) = 0"
     "    THEN MAX(CASE WHEN first_sent_at > 0 THEN removed_at END) ELSE 0 END"
     "    FROM notices n WHERE n.report_id = r.id) AS removed_at,"
     "  (SELECT COUNT(*) FROM blocklist b WHERE b.report_id = r.id AND b.approved_at > 0)"
     "    AS blocked,"
     "  (SELECT COUNT(*) FROM blocklist b JOIN blocklist_appeals p ON p.entry_id = b.id"
     "    WHERE b.report_id = r.id) AS appeals"
     "  FROM reports r LEFT JOIN console_items i ON i.report_id = r.id"
     "  LEFT JOIN url_routes u ON u.id = (SELECT MIN(x.id) FROM url_routes x"
     "    WHERE x.report_id = r.id)"
     "  LEFT JOIN notices nf ON nf.report_id = r.id AND nf.url = u.url;"
     "CREATE TABLE stats_facts(id INTEGER PRIMARY KEY, case_id INTEGER, created_at INTEGER,"
     "  first_look_at INTEGER, decided_at INTEGER, duplicate INTEGER, files INTEGER,"
     "  known_files INTEGER, claimed_files INTEGER, videos INTEGER, urls INTEGER,"
     "  source TEXT, reporter_kind TEXT, category TEXT, language TEXT, country TEXT,"
     "  state TEXT, legal TEXT, severity TEXT, age TEXT, host_country TEXT, asn TEXT,"
     "  provider TEXT, route TEXT, notices INTEGER, renotices INTEGER, escalations INTEGER,"
     "  reappearances INTEGER, notice_at INTEGER, removed_at INTEGER, blocked INTEGER,"
     "  appeals INTEGER);"
     "CREATE INDEX stats_facts_created ON stats_facts(created_at);"
     "INSERT INTO stats_facts SELECT * FROM stats_fact_source;"
     "CREATE TABLE stats_dirty(report_id INTEGER PRIMARY KEY);"
     SQ_FACTS_ON("reports_added", "INSERT ON reports",
                 "SELECT NEW.id UNION SELECT id FROM reports WHERE case_id = NEW.case_id"
                 " AND id > NEW.id")
     SQ_FACTS_ON("reports_changed",
                 "UPDATE OF case_id, created_at, source, reporter_kind, category, language,"
                 " country ON reports",
                 "SELECT NEW.id UNION SELECT id FROM reports WHERE case_id IN (OLD.case_id,"
                 " NEW.case_id) AND id > MIN(OLD.id, NEW.id)")
     SQ_FACTS_ON("reports_removed", "DELETE ON reports",
                 "SELECT OLD.id UNION SELECT id FROM reports WHERE case_id = OLD.case_id"
                 " AND id > OLD.id")
     SQ_FACTS_OF_REPORT("report_files", "known, content_type, report_id")
     SQ_FACTS_OF_REPORT("report_urls", "report_id")
     SQ_FACTS_OF_REPORT("console_items", "state, legal, severity, age, updated_at, report_id")
     SQ_FACTS_OF_REPORT("url_routes", "url, country, hosting, actions, report_id")
     SQ_FACTS_OF_REPORT("notices", "url, provider, first_sent_at, sent_count, escalated_at,"
                                   " reappeared_count, removed_at, report_id")
     SQ_FACTS_OF_REPORT("blocklist", "approved_at, report_id")
     /* an appeal counts for the report of the entry it is against */
     SQ_FACTS_ON("blocklist_appeals_added", "INSERT ON blocklist_appeals",
                 "SELECT report_id FROM blocklist WHERE id = NEW.entry_id")
     SQ_FACTS_ON("blocklist_appeals_removed", "DELETE ON blocklist_appeals",
                 "SELECT report_id FROM blocklist WHERE id = OLD.entry_id")
     "CREATE TRIGGER stats_facts_claimed AFTER INSERT ON audit"
     "  WHEN NEW.action = 'item.claim' AND NEW.target GLOB 'report:[0-9]*' BEGIN "
     SQ_FACTS_MARK("SELECT CAST(substr(NEW.target, 8) AS INTEGER) WHERE 1") "END;"),
    /* 20: callbacks owed to the partner hotlines that forwarded reports
     * (store/routes.h), and a forward found by the partner's reference. */
    "CREATE TABLE partner_callbacks(id INTEGER PRIMARY KEY, report_id INTEGER NOT NULL,"
    "  target TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1,"
    "  sent_version INTEGER NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0,"
    "  next_at INTEGER NOT NULL, last_error TEXT NOT NULL DEFAULT '',"
    "  created_at INTEGER NOT NULL, UNIQUE(report_id, target));"
    "CREATE INDEX partner_callbacks_due ON partner_callbacks(next_at)"
    "  WHERE sent_version < version;"
    "CREATE INDEX routing_deliveries_reference ON routing_deliveries(target, reference)"
    "  WHERE sent_at > 0;",
    /* 21: bank entries' match counts and their quarantine
     * (store/quarantine.h), shared by every node. */
    ("CREATE TABLE bank_quarantine(bank TEXT NOT NULL, entry TEXT NOT NULL,"
     "  window_start INTEGER NOT NULL, matches INTEGER NOT NULL, usual REAL NOT NULL,"
     "  held INTEGER NOT NULL DEFAULT 0, held_at INTEGER NOT NULL DEFAULT 0,"
     "  held_matches INTEGER NOT NULL DEFAULT 0, since_held INTEGER NOT NULL DEFAULT 0,"
     "  released_at INTEGER NOT NULL DEFAULT 0, released_by TEXT,"
     "  PRIMARY KEY(bank, entry)) WITHOUT ROWID;"
     "CREATE INDEX bank_quarantine_held ON bank_quarantine(held_at) WHERE held = 1;"),
    /* 22: each notice keeps the host its route's lookup saw when it was made
     * (store/notices.h), for the provider page's figures per provider and
     * AS. Notices made before are given their route's: the address whose
     * AS name is the notice's provider (the one whose contact was
     * notified), else the first. */
    ("ALTER TABLE notices ADD COLUMN asn INTEGER NOT NULL DEFAULT 0;"
     "ALTER TABLE notices ADD COLUMN as_name TEXT NOT NULL DEFAULT '';"
     "ALTER TABLE notices ADD COLUMN host_country TEXT NOT NULL DEFAULT '';"
     "UPDATE notices SET asn = h.asn, as_name = h.as_name, host_country = h.country FROM"
     " (SELECT id, asn, as_name, country FROM (SELECT n.id AS id,"
     "    CAST(COALESCE(json_extract(a.value, '$.asn'), 0) AS INTEGER) AS asn,"
     "    COALESCE(json_extract(a.value, '$.as_name'), '') AS as_name,"
     "    COALESCE(json_extract(a.value, '$.country'), '') AS country,"
     "    row_number() OVER (PARTITION BY n.id ORDER BY (n.provider <> ''"
     "      AND json_extract(a.value, '$.as_name') = n.provider) DESC, t.id,"
     "      CAST(a.key AS INTEGER)) AS k"
     "    FROM notices n JOIN url_routes t ON t.report_id = n.report_id AND t.url = n.url,"
     "    json_each(CASE WHEN json_valid(t.hosting) THEN t.hosting ELSE '{}' END,"
     "      '$.addresses') a"
     "    WHERE a.type = 'object') WHERE k = 1) h"
     " WHERE h.id = notices.id;"),
    /* 23: the lines of each signed source's last verified list
     * (store/signed_lists.h), so that any node applies the next delta. The
     * key's byte order is the canonical form's. */
    "CREATE TABLE sync_list_lines(source TEXT NOT NULL, line TEXT NOT NULL,"
    "  PRIMARY KEY(source, line)) WITHOUT ROWID;",
    /* 24: where a forwarded report stands at the partner hotline, as its
     * callbacks (or polls) said, and which callback said it last. */
    "ALTER TABLE routing_deliveries ADD COLUMN partner_status TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE routing_deliveries ADD COLUMN partner_version INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE routing_deliveries ADD COLUMN partner_status_at INTEGER NOT NULL DEFAULT 0;",
    /* 25: statistics' orientation as the data is (issue 17). A route is
     * taken once approved, by a person or routing.auto_known: a proposed
     * one is no route yet ("routed", the route dimension), and the URL a
     * report is counted under is its first taken route's, else its first
     * route's. Its AS and provider are those of the host its notice was
     * made for (the notice's own columns since migration 22), else of the
     * route's first address: hosting is an object {"host", "addresses":
     * [...]}, not the array migration 19 read, so every asn was empty.
     * The final assessment's sex, flags and Interpol baseline answers
     * (final_json) join the facts, for the classification
     * figures. A route's approval, and an assessment's final_json, now
     * mark their report; every report is computed again. */
    ("DROP VIEW IF EXISTS stats_fact_source;"
     "CREATE VIEW stats_fact_source AS SELECT r.id AS id, r.case_id AS case_id,"
     "  r.created_at AS created_at,"
     "  COALESCE((SELECT MIN(a.time) FROM audit a WHERE a.target = 'report:' || r.id"
     "    AND +a.action = 'item.claim'), 0) AS first_look_at,"
     "  CASE WHEN i.state IN ('confirmed', 'auto') THEN COALESCE(i.updated_at, 0) ELSE 0 END"
     "    AS decided_at,"
     "  EXISTS(SELECT 1 FROM reports p WHERE p.case_id = r.case_id AND p.id < r.id) AS duplicate,"
     "  (SELECT COUNT(*) FROM report_files f WHERE f.report_id = r.id) AS files,"
     "  (SELECT COUNT(*) FROM report_files f WHERE f.report_id = r.id AND f.known = 1)"
     "    AS known_files,"
     "  (SELECT COUNT(*) FROM report_files f WHERE f.report_id = r.id AND f.known = 2)"
     "    AS claimed_files,"
     "  (SELECT COUNT(*) FROM report_files f WHERE f.report_id = r.id"
     "    AND f.content_type LIKE 'video/%') AS videos,"
     "  (SELECT COUNT(*) FROM report_urls l WHERE l.report_id = r.id) AS urls,"
     "  r.source AS source, r.reporter_kind AS reporter_kind, r.category AS category,"
     "  r.language AS language, r.country AS country, i.state AS state, i.legal AS legal,"
     "  i.severity AS severity, i.age AS age,"
     "  NULLIF(u.country, '') AS host_country,"
     "  CASE WHEN nf.id IS NOT NULL THEN CASE WHEN nf.asn > 0 THEN 'AS' || nf.asn END"
     "    WHEN json_valid(u.hosting) THEN CASE"
     "    WHEN json_type(u.hosting, '$.addresses[0].asn') = 'integer'"
     "      AND json_extract(u.hosting, '$.addresses[0].asn') > 0"
     "    THEN 'AS' || json_extract(u.hosting, '$.addresses[0].asn') END END AS asn,"
     "  CASE WHEN nf.id IS NOT NULL THEN COALESCE(NULLIF(nf.provider, ''),"
     "      NULLIF(nf.as_name, ''))"
     "    WHEN json_valid(u.hosting) THEN CASE"
     "    WHEN json_type(u.hosting, '$.addresses[0].as_name') = 'text'"
     "    THEN NULLIF(json_extract(u.hosting, '$.addresses[0].as_name'), '') END END"
     "    AS provider,"
     "  CASE WHEN u.state IN ('approved', 'automatic') THEN u.actions END AS route,"
     "  (SELECT COUNT(*) FROM notices n WHERE n.report_id = r.id AND n.first_sent_at > 0)"
     "    AS notices,"
     "  (SELECT COALESCE(SUM(CASE WHEN sent_count > 1 THEN sent_count - 1 ELSE 0 END), 0)"
     "    FROM notices n WHERE n.report_id = r.id) AS renotices,"
     "  (SELECT COUNT(*) FROM notices n WHERE n.report_id = r.id AND n.escalated_at > 0)"
     "    AS escalations,"
     "  (SELECT COALESCE(SUM(reappeared_count), 0) FROM notices n WHERE n.report_id = r.id)"
     "    AS reappearances,"
     "  (SELECT COALESCE(MIN(first_sent_at), 0) FROM notices n WHERE n.report_id = r.id"
     "    AND n.first_sent_at > 0) AS notice_at,"
     "  (SELECT CASE WHEN SUM(first_sent_at > 0) > 0"
     "    AND SUM(first_sent_at > 0 AND removed_at = 0) = 0"
     "    THEN MAX(CASE WHEN first_sent_at > 0 THEN removed_at END) ELSE 0 END"
     "    FROM notices n WHERE n.report_id = r.id) AS removed_at,"
     "  (SELECT COUNT(*) FROM blocklist b WHERE b.report_id = r.id AND b.approved_at > 0)"
     "    AS blocked,"
     "  (SELECT COUNT(*) FROM blocklist b JOIN blocklist_appeals p ON p.entry_id = b.id"
     "    WHERE b.report_id = r.id) AS appeals,"
     /* the final assessment's sex, flags and Interpol baseline answers
      * (lists: the codes in the form's order, comma-separated) */
     "  CASE WHEN json_valid(i.final_json) THEN CASE"
     "    WHEN json_type(i.final_json, '$.sex') = 'text'"
     "    THEN NULLIF(json_extract(i.final_json, '$.sex'), '') END END AS sex,"
     "  CASE WHEN json_valid(i.final_json) THEN (SELECT group_concat(j.value, ',') FROM"
     "    json_each(i.final_json, '$.flags') j WHERE j.type = 'text') END AS flags,"
     "  CASE WHEN json_valid(i.final_json) THEN (SELECT group_concat(j.value, ',') FROM"
     "    json_each(i.final_json, '$.baseline') j WHERE j.type = 'text') END AS baseline"
     "  FROM reports r LEFT JOIN console_items i ON i.report_id = r.id"
     /* the first taken route, else the first one */
     "  LEFT JOIN url_routes u ON u.id = (SELECT x.id FROM url_routes x"
     "    WHERE x.report_id = r.id ORDER BY x.state IN ('approved', 'automatic') DESC, x.id"
     "    LIMIT 1)"
     /* that route's URL's notice, else the report's first sent, else first
      * (nu: SQLite's subqueries in ON may not name u) */
     "  LEFT JOIN notices nu ON nu.report_id = r.id AND nu.url = u.url"
     "  LEFT JOIN notices nf ON nf.id = COALESCE(nu.id, (SELECT n.id FROM notices n"
     "    WHERE n.report_id = r.id ORDER BY n.first_sent_at > 0 DESC, n.id LIMIT 1));"
     "ALTER TABLE stats_facts ADD COLUMN sex TEXT;"
     "ALTER TABLE stats_facts ADD COLUMN flags TEXT;"
     "ALTER TABLE stats_facts ADD COLUMN baseline TEXT;"
     "DROP TRIGGER IF EXISTS stats_facts_console_items_added;"
     "DROP TRIGGER IF EXISTS stats_facts_console_items_changed;"
     "DROP TRIGGER IF EXISTS stats_facts_console_items_removed;"
     "DROP TRIGGER IF EXISTS stats_facts_url_routes_added;"
     "DROP TRIGGER IF EXISTS stats_facts_url_routes_changed;"
     "DROP TRIGGER IF EXISTS stats_facts_url_routes_removed;"
     "DROP TRIGGER IF EXISTS stats_facts_notices_added;"
     "DROP TRIGGER IF EXISTS stats_facts_notices_changed;"
     "DROP TRIGGER IF EXISTS stats_facts_notices_removed;"
     SQ_FACTS_OF_REPORT("console_items", "state, legal, severity, age, final_json, updated_at,"
                                         " report_id")
     SQ_FACTS_OF_REPORT("url_routes", "url, state, country, hosting, actions, report_id")
     SQ_FACTS_OF_REPORT("notices", "url, provider, asn, as_name, host_country, first_sent_at,"
                                   " sent_count, escalated_at, reappeared_count, removed_at,"
                                   " report_id")
     "DELETE FROM stats_facts;"
     "INSERT INTO stats_facts SELECT * FROM stats_fact_source;"),
    /* 26: a signed list's lines by generation (written in many small
     * transactions, switched to in one), keyed by a bounded head and the
     * SHA-256 of a longer line (store/signed_lists.h). The lines of 23 are
     * not carried over (SQLite has no SHA-256): the sources' states stop
     * saying the store holds them, so the next run stores its list again
     * from this node's copy, or fetches the whole list. */
    "DROP TABLE sync_list_lines;"
    "CREATE TABLE sync_list_lines(source TEXT NOT NULL, generation INTEGER NOT NULL,"
    "  head BLOB NOT NULL, digest BLOB NOT NULL, rest BLOB NOT NULL,"
    "  PRIMARY KEY(source, generation, head, digest)) WITHOUT ROWID;"
    "UPDATE settings SET value = json_remove(value, '$.lines')"
    "  WHERE name LIKE 'sync:%' AND json_valid(value);",
    /* 27: statistics' facts
     * packed by day of receipt (store/stats_packs.h, model/factpack.h), so
     * that a year's read decodes a few hundred blobs instead of stepping
     * through a million rows. Every day with facts starts stale; the
     * migration then packs them all (sq_migrate calls
     * sq_stats_pack_stale after this step: PACKS_MIGRATION). */
    "CREATE TABLE stats_packs(day INTEGER PRIMARY KEY, facts BLOB NOT NULL);"
    "CREATE TABLE stats_pack_stale(day INTEGER PRIMARY KEY);"
    "INSERT INTO stats_pack_stale SELECT DISTINCT created_at / 86400 FROM stats_facts"
    "  WHERE created_at IS NOT NULL;",
    /* 28: the language a person reads the staff pages in (a catalogue
     * code); NULL until they choose one: their browser's then. */
    "ALTER TABLE accounts ADD COLUMN language TEXT;",
};
#define SCHEMA_VERSION ((int)(sizeof migrations / sizeof migrations[0]))
/* The migration that makes stats_packs (found by its text, whatever its
 * number): its days are packed in C, in its transaction (SQL cannot encode
 * them). */
#define PACKS_MIGRATION "CREATE TABLE stats_packs("

static int exec_simple(conn *c, const char *sql)
{
    return sqlite3_exec(c->db, sql, NULL, NULL, NULL);
}

vg_status sq_migrate(conn *c, int *version, vg_error *err)
{
    sqlite3_stmt *st = NULL;
    int current = 0;
    if (sqlite3_prepare_v2(c->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
        return sq_db_error(err, c->db, "reading the schema version");
    if (sqlite3_step(st) == SQLITE_ROW)
        current = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (current > SCHEMA_VERSION)
        return vg_error_set(err, VG_ERR_UNSUPPORTED,
                            "the database has schema version %d, newer than this vigie (%d); "
                            "use a newer vigie",
                            current, SCHEMA_VERSION);
    for (int v = current; v < SCHEMA_VERSION; v++) {
        char bump[64];
        snprintf(bump, sizeof bump, "PRAGMA user_version = %d", v + 1);
        if (exec_simple(c, "BEGIN IMMEDIATE") != SQLITE_OK)
            return sq_db_error(err, c->db, "starting a migration");
        vg_status status = VG_OK;
        if (exec_simple(c, migrations[v]) != SQLITE_OK || exec_simple(c, bump) != SQLITE_OK)
            status = sq_db_error(err, c->db, "migrating the schema");
        else if (strstr(migrations[v], PACKS_MIGRATION))
            status = sq_stats_pack_stale(c, err);
        if (status != VG_OK) {
            exec_simple(c, "ROLLBACK");
            vg_error_prefix(err, "migration %d: ", v + 1);
            return status;
        }
        if (exec_simple(c, "COMMIT") != SQLITE_OK) {
            vg_status status = sq_db_error(err, c->db, "committing a migration");
            exec_simple(c, "ROLLBACK");
            return status;
        }
    }
    *version = SCHEMA_VERSION;
    return VG_OK;
}
