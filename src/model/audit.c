/*
 * src/model/audit.c - the audit chain's hash and its check (audit.h).
 */
#include "model/audit.h"

#include <inttypes.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void vg_audit_entry_clear(vg_audit_entry *e)
{
    free(e->actor);
    free(e->action);
    free(e->target);
    free(e->detail);
    free(e->prev_hash);
    free(e->hash);
    memset(e, 0, sizeof *e);
}

/* ---- the audit chain -------------------------------------------------- */

/* Canonical serialisation: a version tag, then every field as
 * "<decimal length>:<bytes>\n" so that no choice of field contents can make
 * two different entries serialise alike. */
static void hash_field(EVP_MD_CTX *md, const char *text)
{
    char len[32];
    size_t n = text ? strlen(text) : 0;
    int k = snprintf(len, sizeof len, "%zu:", n);
    EVP_DigestUpdate(md, len, (size_t)k);
    if (n)
        EVP_DigestUpdate(md, text, n);
    EVP_DigestUpdate(md, "\n", 1);
}

void vg_audit_entry_hash(const vg_audit_entry *e, char hex[65])
{
    static const char digits[] = "0123456789abcdef";
    char num[32];
    unsigned char out[32];
    unsigned int outlen = 0;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (!md || !EVP_DigestInit_ex(md, EVP_sha256(), NULL)) {
        /* Cannot happen with a working libcrypto; an all-"x" hash never
         * verifies, so the failure shows instead of hiding. */
        memset(hex, 'x', 64);
        hex[64] = 0;
        EVP_MD_CTX_free(md);
        return;
    }
    hash_field(md, "vigie-audit-v1");
    snprintf(num, sizeof num, "%" PRId64, e->seq);
    hash_field(md, num);
    snprintf(num, sizeof num, "%" PRId64, e->time);
    hash_field(md, num);
    hash_field(md, e->actor);
    hash_field(md, e->action);
    hash_field(md, e->target);
    hash_field(md, e->detail);
    hash_field(md, e->prev_hash);
    EVP_DigestFinal_ex(md, out, &outlen);
    EVP_MD_CTX_free(md);
    for (int i = 0; i < 32; i++) {
        hex[2 * i] = digits[out[i] >> 4];
        hex[2 * i + 1] = digits[out[i] & 15];
    }
    hex[64] = 0;
}


static char *format_problem(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *format_problem(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return strdup(buf);
}

void vg_audit_check_init(vg_audit_check *c)
{
    memset(c, 0, sizeof *c);
    memset(c->prev, '0', 64);
}

int vg_audit_check_entry(vg_audit_check *c, const vg_audit_entry *e)
{
    char hex[65];
    int64_t expected = c->entries + 1;
    if (c->problem)
        return 1;
    if (e->seq != expected) {
        if (e->seq > expected)
            c->problem = format_problem("audit entry %" PRId64 " was removed (the chain jumps "
                                        "from %" PRId64 " to %" PRId64 ")",
                                        expected, expected - 1, e->seq);
        else
            c->problem = format_problem("audit entry %" PRId64 " is out of sequence", e->seq);
        return 1;
    }
    if (strcmp(e->prev_hash ? e->prev_hash : "", c->prev) != 0) {
        c->problem = format_problem("audit entry %" PRId64 " was altered (it does not link to "
                                    "entry %" PRId64 ")",
                                    e->seq, e->seq - 1);
        return 1;
    }
    vg_audit_entry_hash(e, hex);
    if (strcmp(hex, e->hash ? e->hash : "") != 0) {
        c->problem = format_problem("audit entry %" PRId64 " was altered (its hash does not "
                                    "match its contents)",
                                    e->seq);
        return 1;
    }
    memcpy(c->prev, hex, sizeof hex);
    c->entries = expected;
    return 0;
}

int vg_audit_check_head(vg_audit_check *c, int64_t head_seq, const char *head_hash)
{
    if (c->problem)
        return 0;
    int64_t last = c->entries;
    if (head_seq != last) {
        if (head_seq > last)
            c->problem = format_problem("audit entry %" PRId64 " was removed (the chain should "
                                        "end at entry %" PRId64 ")",
                                        last + 1, head_seq);
        else
            c->problem = format_problem("audit entry %" PRId64 " was added outside the server "
                                        "(the chain head is entry %" PRId64 ")",
                                        head_seq + 1, head_seq);
        return 0;
    }
    if (last > 0 && strcmp(head_hash ? head_hash : "", c->prev) != 0) {
        c->problem = format_problem("audit entry %" PRId64 " was altered (it does not match the "
                                    "chain head)",
                                    last);
        return 0;
    }
    return 1;
}

void vg_audit_check_clear(vg_audit_check *c)
{
    free(c->problem);
    memset(c, 0, sizeof *c);
}


int vg_audit_filter_match(const vg_audit_filter *f, const vg_audit_entry *e)
{
    if (f->actor && strcmp(f->actor, e->actor ? e->actor : ""))
        return 0;
    if (f->action) {
        size_t n = strlen(f->action);
        const char *action = e->action ? e->action : "";
        int prefix = n && f->action[n - 1] == '.';
        if (prefix ? strncmp(action, f->action, n) : strcmp(action, f->action))
            return 0;
    }
    if (f->target && strcmp(f->target, e->target ? e->target : ""))
        return 0;
    if ((f->from && e->time < f->from) || (f->to && e->time >= f->to))
        return 0;
    return !f->before_seq || e->seq < f->before_seq;
}
