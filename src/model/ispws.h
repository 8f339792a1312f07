/*
 * src/model/ispws.h - the rules of the CyberTipline-compatible intake
 * (docs/interop-server.md): its response codes, how long an unfinished
 * report stays open, and what a sender's incident type says in vigie's
 * words. Facts from NCMEC's published CyberTipline Reporting API.
 */
#ifndef VIGIE_MODEL_ISPWS_H
#define VIGIE_MODEL_ISPWS_H

#include <stdint.h>

/* The responseCode values the API documents. */
typedef enum vg_ispws_code {
    VG_ISPWS_OK = 0,
    VG_ISPWS_SERVER_ERROR = 1000,
    VG_ISPWS_NOT_AUTHENTICATED = 2000,
    VG_ISPWS_NOT_AUTHORISED = 3100,
    VG_ISPWS_INVALID = 4100,   /* the document does not follow the schema */
    VG_ISPWS_MALFORMED = 4110, /* not well-formed XML */
    VG_ISPWS_NO_REPORT = 5001, /* no such open report (or not the caller's, or expired) */
    VG_ISPWS_FINISHED = 5102,  /* the report was already finished */
} vg_ispws_code;

/* "Success", "Validation failed"...: the responseDescription of a code. */
const char *vg_ispws_code_text(vg_ispws_code code);

/* An unfinished report expires 24 hours after it was opened, or 1 hour
 * after its last change, whichever is later. */
#define VG_ISPWS_OPEN_SECONDS (24 * 3600)
#define VG_ISPWS_IDLE_SECONDS 3600
int64_t vg_rule_ispws_expiry(int64_t opened_at, int64_t changed_at);

/* The vigie category (vocab.h, vg_category_terms) nearest a sender's
 * incidentType, or NULL for a text that is none of the documented ones
 * (the report is then refused as invalid: the type is required). */
const char *vg_rule_ispws_category(const char *incident_type);

#endif
