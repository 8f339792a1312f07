/*
 * src/model/ispws.c - the CyberTipline-compatible intake's rules (ispws.h).
 */
#include "model/ispws.h"

#include <string.h>

const char *vg_ispws_code_text(vg_ispws_code code)
{
    switch (code) {
    case VG_ISPWS_OK: return "Success";
    case VG_ISPWS_SERVER_ERROR: return "Server error";
    case VG_ISPWS_NOT_AUTHENTICATED: return "Authentication required";
    case VG_ISPWS_NOT_AUTHORISED: return "No submission authorization";
    case VG_ISPWS_INVALID: return "Validation failed";
    case VG_ISPWS_MALFORMED: return "Malformed XML";
    case VG_ISPWS_NO_REPORT: return "Report does not exist";
    case VG_ISPWS_FINISHED: return "Report already finished";
    }
    return "Server error";
}

int64_t vg_rule_ispws_expiry(int64_t opened_at, int64_t changed_at)
{
    int64_t a = opened_at + VG_ISPWS_OPEN_SECONDS, b = changed_at + VG_ISPWS_IDLE_SECONDS;
    return a > b ? a : b;
}

/* The incident types of the schema, and the category each is nearest. A
 * category only routes the report in the queue: it is what the sender
 * says the report is about, never an assessment of its files. */
static const struct {
    const char *incident_type, *category;
} INCIDENT_TYPES[] = {
    {"Child Pornography (possession, manufacture, and distribution)", "image_video"},
    {"Child Sex Trafficking", "other"},
    {"Child Sex Tourism", "other"},
    {"Child Sexual Molestation", "other"},
    {"Misleading Domain Name", "other"},
    {"Misleading Words or Digital Images on the Internet", "other"},
    {"Online Enticement of Children for Sexual Acts", "grooming"},
    {"Unsolicited Obscene Material Sent to a Child", "other"},
};

const char *vg_rule_ispws_category(const char *incident_type)
{
    for (size_t i = 0; incident_type && i < sizeof INCIDENT_TYPES / sizeof INCIDENT_TYPES[0]; i++)
        if (!strcmp(incident_type, INCIDENT_TYPES[i].incident_type))
            return INCIDENT_TYPES[i].category;
    return NULL;
}
