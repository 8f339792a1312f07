/*
 * tests/unit/hashsync/fake_hashsharing.h - a local stand-in for the NCMEC
 * hash sharing API v2 and StopNCII's FetchHashes, built from their
 * documented answers, listening on 127.0.0.1 only.
 *
 * It serves what a scenario file says, read again at every request so that
 * a test can change the service between two synchronisations:
 *
 *   entry ID image|video TIMESTAMP MEMBER_ID CLASSIFICATION [md5=H] [sha1=H] [pdq=H] [pdna=X]
 *   deleted ID image|video TIMESTAMP MEMBER_ID
 *   hash ImagePDQ|VideoMD5|... VALUE STATUS TIMESTAMP
 *   page-size N                 entries or records per page (default 2)
 *   fail STATUS COUNT           the next COUNT requests answer STATUS
 *   fail-after N                ... once N requests were answered
 *   evil-next                   NCMEC pages link to http://evil.invalid/...
 *   served-dir DIR              GET /lists/NAME serves DIR/NAME (a signed list's files)
 *
 * Every request is logged to the log file as "METHOD URL" (and the body
 * of a PUT on the next line), so tests see what the client asked.
 * NCMEC: GET /v2/status, /v2/entries?from=&to=[&start=&size=&max=],
 * /v2/feedback/{MD5|SHA1|PDQ}/reasons, PUT /v2/entries/{m}/{id}/{type}/feedback,
 * with HTTP Basic user:secret. StopNCII: GET /FetchHashes with
 * Ocp-Apim-Subscription-Key: sub and x-functions-key: fn.
 */
#ifndef VIGIE_TESTS_FAKE_HASHSHARING_H
#define VIGIE_TESTS_FAKE_HASHSHARING_H

#include <stdint.h>

typedef struct fake_service fake_service;

/* Start serving; *port receives the port. NULL on failure. */
fake_service *fake_start(const char *scenario_path, const char *log_path, uint16_t *port);
void fake_stop(fake_service *f);

#endif
