/*
 * src/model/curation.c - the rules of the bank writes HMA clients make
 * (curation.h).
 */
#include "model/curation.h"

#include <string.h>

vg_curate_verdict vg_rule_curate_bank(int exists, int made_by_api, int trusted)
{
    if (trusted)
        return VG_CURATE_TRUSTED_NAME;
    if (exists && !made_by_api)
        return VG_CURATE_OPERATOR_BANK;
    return VG_CURATE_WRITABLE;
}

const char *vg_curate_verdict_text(vg_curate_verdict verdict)
{
    switch (verdict) {
    case VG_CURATE_OPERATOR_BANK:
        return "this bank is the hotline's own (made by its operator, not through this API): "
               "it is read-only here";
    case VG_CURATE_TRUSTED_NAME:
        return "this bank decides reports without anyone looking (console.trusted_banks): only "
               "the hotline's operator changes it";
    case VG_CURATE_WRITABLE: break;
    }
    return "";
}

int vg_rule_bank_matches(double enabled_ratio, double coin)
{
    return enabled_ratio > 0 && enabled_ratio >= coin;
}

int64_t vg_rule_disable_until_store(int64_t hma_value)
{
    if (hma_value == 0)
        return INT64_MAX;
    if (hma_value == 1)
        return 0;
    return hma_value;
}

int64_t vg_rule_disable_until_hma(int64_t stored)
{
    if (stored == INT64_MAX)
        return 0;
    if (stored <= 1)
        return 1;
    return stored;
}

int vg_rule_content_enabled(int64_t disable_until, int64_t now)
{
    return disable_until <= now;
}

int vg_rule_bank_name_valid(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (!n || n > 64)
        return 0;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_'))
            return 0;
    return 1;
}
