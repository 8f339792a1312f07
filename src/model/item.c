/*
 * src/model/item.c - items, files and the rules of four-eyes (item.h).
 */
#include "model/item.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- structs ------------------------------------------------------------ */

void vg_item_clear(vg_item *it)
{
    char **strings[] = {&it->receipt_code, &it->source,     &it->category,    &it->status,
                        &it->platform,     &it->account,    &it->description, &it->reporter_kind,
                        &it->language,     &it->country,    &it->contact,     &it->occurred_at,
                        &it->state,        &it->claimed_by, &it->first_by,    &it->second_by,
                        &it->decided_by,   &it->first_json, &it->second_json, &it->final_json,
                        &it->first_key,    &it->legal,      &it->severity,    &it->age,
                        &it->bank_classes, &it->content_key, &it->extra_json};
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
        free(*strings[i]);
    memset(it, 0, sizeof *it);
}

void vg_items_free(vg_item *items, size_t count)
{
    for (size_t i = 0; i < count; i++)
        vg_item_clear(&items[i]);
    free(items);
}

void vg_item_file_clear(vg_item_file *f)
{
    char *strings[] = {f->vault_id,   f->filename,  f->content_type, f->md5,
                       f->sha1,       f->sha256,    f->pdq,          f->bank,
                       f->bank_entry, f->own_legal, f->own_severity, f->own_age,
                       f->video_match, f->match_signal};
    for (size_t j = 0; j < sizeof strings / sizeof strings[0]; j++)
        free(strings[j]);
    memset(f, 0, sizeof *f);
}

void vg_item_files_free(vg_item_file *files, size_t count)
{
    for (size_t i = 0; i < count; i++)
        vg_item_file_clear(&files[i]);
    free(files);
}

void vg_own_entry_clear(vg_own_entry *e)
{
    char *strings[] = {e->sha256, e->pdq, e->legal, e->severity, e->age};
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
        free(strings[i]);
    memset(e, 0, sizeof *e);
}

void vg_own_entries_free(vg_own_entry *entries, size_t count)
{
    for (size_t i = 0; i < count; i++)
        vg_own_entry_clear(&entries[i]);
    free(entries);
}

void vg_item_urls_free(vg_item_url *urls, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        free(urls[i].url);
        free(urls[i].canonical);
    }
    free(urls);
}

/* ---- the scheme and the trusted banks ----------------------------------- */

vg_status vg_grading_parse(vg_grading *g, const char *scheme, vg_error *err)
{
    memset(g, 0, sizeof *g);
    const char *s = scheme ? scheme : "";
    while (*s) {
        size_t n = strcspn(s, ",");
        while (n && s[n - 1] == ' ')
            n--;
        if (n == 0 || n >= sizeof g->grades[0] || g->count == VG_MAX_GRADES)
            return vg_error_set(err, VG_ERR_INVALID,
                                "console.severity_scheme: give 1 to %d grades of at most 7 "
                                "characters, most severe first, separated by commas (A,B,C)",
                                VG_MAX_GRADES);
        for (size_t i = 0; i < n; i++)
            if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
                  (s[i] >= '0' && s[i] <= '9')))
                return vg_error_set(err, VG_ERR_INVALID,
                                    "console.severity_scheme: grades are letters and digits");
        memcpy(g->grades[g->count], s, n);
        g->grades[g->count++][n] = 0;
        s += strcspn(s, ",");
        if (*s == ',')
            s++;
        while (*s == ' ')
            s++;
    }
    if (!g->count)
        return vg_error_set(err, VG_ERR_INVALID, "console.severity_scheme is empty");
    return VG_OK;
}

static int grade_index(const vg_grading *g, const char *grade)
{
    for (int i = 0; grade && i < g->count; i++)
        if (!strcmp(g->grades[i], grade))
            return i;
    return -1;
}

int vg_grading_has(const vg_grading *g, const char *grade)
{
    return grade_index(g, grade) >= 0;
}

vg_status vg_trust_parse(vg_trust *t, const char *text, const vg_grading *g, vg_error *err)
{
    static const char key[] = "console.trusted_banks";
    memset(t, 0, sizeof *t);
    while (text && *text) {
        while (*text == ' ' || *text == ',')
            text++;
        size_t n = strcspn(text, ",");
        if (!n)
            break;
        char entry[256], *fields[3] = {0};
        if (n >= sizeof entry) {
            vg_trust_clear(t);
            return vg_error_set(err, VG_ERR_INVALID, "%s: an entry is too long", key);
        }
        memcpy(entry, text, n);
        entry[n] = 0;
        while (n && entry[n - 1] == ' ')
            entry[--n] = 0;
        text += strcspn(text, ",");
        char *eq = strchr(entry, '=');
        if (!eq || eq == entry) {
            vg_status st = vg_error_set(err, VG_ERR_INVALID,
                                        "%s: '%s' is not BANK=LEGAL[/GRADE[/AGE]] "
                                        "(ncmec=illegal_csam/A)",
                                        key, entry);
            vg_trust_clear(t);
            return st;
        }
        *eq = 0;
        fields[0] = eq + 1;
        for (int i = 1; i < 3; i++) {
            char *slash = fields[i - 1] ? strchr(fields[i - 1], '/') : NULL;
            if (slash) {
                *slash = 0;
                fields[i] = slash + 1;
            }
        }
        if (!vg_term_find(vg_legal_terms, fields[0]) ||
            (fields[1] && !vg_grading_has(g, fields[1])) ||
            (fields[2] && !vg_term_find(vg_age_terms, fields[2])) ||
            strlen(entry) >= sizeof t->banks[0].bank) {
            vg_status st = vg_error_set(err, VG_ERR_INVALID,
                                        "%s: bank %s: the legal assessment, grade or age band "
                                        "is not one the console knows (illegal_csam/A/b1)",
                                        key, entry);
            vg_trust_clear(t);
            return st;
        }
        vg_trusted_bank *grown = realloc(t->banks, (t->count + 1) * sizeof *grown);
        if (!grown) {
            vg_trust_clear(t);
            return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        }
        t->banks = grown;
        vg_trusted_bank *b = &t->banks[t->count++];
        memset(b, 0, sizeof *b);
        snprintf(b->bank, sizeof b->bank, "%s", entry);
        snprintf(b->legal, sizeof b->legal, "%s", fields[0]);
        snprintf(b->severity, sizeof b->severity, "%s", fields[1] ? fields[1] : "");
        snprintf(b->age, sizeof b->age, "%s", fields[2] ? fields[2] : "");
    }
    return VG_OK;
}

void vg_trust_clear(vg_trust *t)
{
    free(t->banks);
    memset(t, 0, sizeof *t);
}

const vg_trusted_bank *vg_trust_find(const vg_trust *t, const char *bank)
{
    for (size_t i = 0; t && bank && i < t->count; i++)
        if (!strcmp(t->banks[i].bank, bank))
            return &t->banks[i];
    return NULL;
}

/* ---- who may do what ----------------------------------------------------- */

int vg_item_finished(const vg_item *it)
{
    return it->state && (!strcmp(it->state, VG_ITEM_CONFIRMED) || !strcmp(it->state, VG_ITEM_AUTO));
}

/* Whoever assessed an item can be neither its second opinion nor its arbiter. */
static int assessed_by(const vg_item *it, const char *user)
{
    return (it->first_by && !strcmp(it->first_by, user)) ||
           (it->second_by && !strcmp(it->second_by, user));
}

vg_item_outcome vg_rule_may_finish(const vg_item *it, const char *user, int supervisor)
{
    if (vg_item_finished(it))
        return VG_ITEM_FINISHED;
    if (!strcmp(it->state, VG_ITEM_SECOND) && assessed_by(it, user))
        return VG_ITEM_SAME_ANALYST;
    if (!strcmp(it->state, VG_ITEM_DISPUTED))
        return !supervisor             ? VG_ITEM_SUPERVISOR
               : assessed_by(it, user) ? VG_ITEM_OWN_ASSESSMENT
                                       : VG_ITEM_DONE;
    return VG_ITEM_DONE;
}

vg_item_outcome vg_rule_may_contact(const vg_item *it, const char *user, int supervisor)
{
    if (supervisor || (it->claimed_by && user && !strcmp(it->claimed_by, user)))
        return VG_ITEM_DONE;
    return VG_ITEM_NOT_CLAIMED;
}

/* Someone else's claim that still runs. */
static int held_by_other(const vg_item *it, const char *user, int64_t stale_before)
{
    return it->claimed_by && strcmp(it->claimed_by, user) &&
           (stale_before <= 0 || it->claimed_at >= stale_before);
}

int vg_rule_in_view(const vg_item *it, vg_queue_view view, const char *user, int supervisor,
                    int64_t stale_before)
{
    if (vg_item_finished(it))
        return 0;
    switch (view) {
    case VG_VIEW_FOR_ME:
        return vg_rule_may_finish(it, user, supervisor) == VG_ITEM_DONE &&
               !held_by_other(it, user, stale_before);
    case VG_VIEW_MINE:
        return (it->claimed_by && !strcmp(it->claimed_by, user)) || assessed_by(it, user);
    case VG_VIEW_SECOND:
        return !strcmp(it->state, VG_ITEM_SECOND);
    case VG_VIEW_DISPUTED:
        return !strcmp(it->state, VG_ITEM_DISPUTED);
    case VG_VIEW_ALL:
        return 1;
    }
    return 0;
}

int vg_rule_file_decided(const vg_item_file *f, const vg_trust *trust)
{
    if (!f->vault_id)
        return 0;
    return f->own_legal ||
           (f->known == VG_FILE_KNOWN && !f->quarantined && vg_trust_find(trust, f->bank));
}

vg_item_outcome vg_rule_may_view(const vg_item *it, const vg_item_file *f, const char *user,
                                 int supervisor, const vg_trust *trust)
{
    if (vg_rule_file_decided(f, trust))
        return VG_ITEM_FINISHED;
    if (it->claimed_by && !strcmp(it->claimed_by, user))
        return VG_ITEM_DONE;
    if (!strcmp(it->state, VG_ITEM_DISPUTED) &&
        vg_rule_may_finish(it, user, supervisor) == VG_ITEM_DONE)
        return VG_ITEM_DONE;
    return VG_ITEM_NOT_CLAIMED;
}

vg_item_outcome vg_rule_claim(const vg_item *it, const char *user, int supervisor, int64_t version,
                              int64_t stale_before, int *takes_over)
{
    *takes_over = 0;
    int other = it->claimed_by && strcmp(it->claimed_by, user);
    vg_item_outcome may = vg_rule_may_finish(it, user, supervisor);
    if (may != VG_ITEM_DONE)
        return may;
    if (other && (stale_before <= 0 || it->claimed_at >= stale_before))
        return VG_ITEM_CLAIMED;
    if (it->version != version)
        return VG_ITEM_STALE;
    *takes_over = other;
    return VG_ITEM_DONE;
}

vg_item_outcome vg_rule_release(const vg_item *it, const char *user, int supervisor,
                                int64_t version)
{
    if (!it->claimed_by)
        return VG_ITEM_NOT_CLAIMED;
    if (strcmp(it->claimed_by, user) && !supervisor)
        return VG_ITEM_CLAIMED;
    if (it->version != version)
        return VG_ITEM_STALE;
    return VG_ITEM_DONE;
}

vg_item_outcome vg_rule_settle(const vg_item *it, const char *user, int supervisor,
                               int64_t version, int64_t stale_before)
{
    if (vg_item_finished(it))
        return VG_ITEM_FINISHED;
    if (strcmp(it->state, VG_ITEM_DISPUTED))
        return VG_ITEM_NOT_DISPUTED;
    vg_item_outcome may = vg_rule_may_finish(it, user, supervisor);
    if (may != VG_ITEM_DONE)
        return may;
    if (held_by_other(it, user, stale_before))
        return VG_ITEM_CLAIMED;
    if (it->version != version)
        return VG_ITEM_STALE;
    return VG_ITEM_DONE;
}

vg_item_outcome vg_rule_reopen(const vg_item *it, int supervisor, int64_t version)
{
    if (!supervisor)
        return VG_ITEM_ROLE;
    if (strcmp(it->state, VG_ITEM_CONFIRMED))
        return VG_ITEM_NOT_CONFIRMED;
    if (it->version != version)
        return VG_ITEM_STALE;
    return VG_ITEM_DONE;
}

vg_item_outcome vg_rule_assess(const vg_item *it, const char *user, int supervisor, int64_t version,
                               const vg_class *c, const char **next_state)
{
    *next_state = NULL;
    if (vg_item_finished(it))
        return VG_ITEM_FINISHED;
    if (it->version != version)
        return VG_ITEM_STALE;
    if (!it->claimed_by || strcmp(it->claimed_by, user))
        return it->claimed_by ? VG_ITEM_CLAIMED : VG_ITEM_NOT_CLAIMED;
    vg_item_outcome may = vg_rule_may_finish(it, user, supervisor);
    if (may != VG_ITEM_DONE)
        return may;
    if (!strcmp(it->state, VG_ITEM_OPEN))
        *next_state = VG_ITEM_SECOND;
    else if (!strcmp(it->state, VG_ITEM_SECOND))
        *next_state =
            vg_rule_classes_agree(it->first_key, c) ? VG_ITEM_CONFIRMED : VG_ITEM_DISPUTED;
    else /* disputed, decided by a supervisor who assessed neither side */
        *next_state = VG_ITEM_CONFIRMED;
    return VG_ITEM_DONE;
}

/* ---- four-eyes agreement ----------------------------------------------- */

/* Keys written before the baseline and country were compared have no "v2|"
 * prefix: such a first assessment is compared on the five fields it
 * recorded. */
char *vg_rule_class_key(const vg_class *c, int with_v2)
{
    const char *parts[] = {c->legal, c->severity, c->age,    c->sex,
                           c->flags, c->baseline, c->country};
    size_t used = with_v2 ? 7 : 5, n = 8;
    for (size_t i = 0; i < used; i++)
        n += (parts[i] ? strlen(parts[i]) : 0) + 1;
    char *key = malloc(n);
    if (!key)
        return NULL;
    size_t at = (size_t)snprintf(key, n, "%s", with_v2 ? "v2|" : "");
    for (size_t i = 0; i < used; i++)
        at += (size_t)snprintf(key + at, n - at, "%s%s", i ? "|" : "", parts[i] ? parts[i] : "");
    return key;
}

int vg_rule_classes_agree(const char *first_key, const vg_class *c)
{
    if (!first_key)
        return 0;
    char *key = vg_rule_class_key(c, !strncmp(first_key, "v2|", 3));
    int agree = key && !strcmp(first_key, key);
    free(key);
    return agree;
}

/* ---- classifications ----------------------------------------------------- */

void vg_rule_worst(vg_verdict *worst, const vg_verdict *v, const vg_grading *g)
{
    if (v->legal && (!worst->legal || vg_legal_worse(v->legal, worst->legal)))
        worst->legal = v->legal;
    int gs = grade_index(g, v->severity), gw = grade_index(g, worst->severity);
    if (gs >= 0 && (gw < 0 || gs < gw))
        worst->severity = v->severity;
    int as = vg_term_index(vg_age_terms, v->age), aw = vg_term_index(vg_age_terms, worst->age);
    if (as >= 0 && (aw < 0 || as < aw))
        worst->age = v->age;
}

int vg_rule_banks_decide(const vg_item_file *files, size_t count, const vg_trust *trust,
                         const vg_grading *g, vg_verdict *out)
{
    memset(out, 0, sizeof *out);
    if (!count)
        return 0;
    for (size_t i = 0; i < count; i++)
        if (!vg_rule_file_decided(&files[i], trust))
            return 0;
    for (size_t i = 0; i < count; i++) {
        if (files[i].own_legal) {
            vg_verdict own = {files[i].own_legal, files[i].own_severity, files[i].own_age};
            vg_rule_worst(out, &own, g);
        }
        const vg_trusted_bank *b =
            files[i].known == VG_FILE_KNOWN ? vg_trust_find(trust, files[i].bank) : NULL;
        if (b) {
            vg_verdict trusted = {b->legal, b->severity, b->age};
            vg_rule_worst(out, &trusted, g);
        }
    }
    return out->legal != NULL;
}

int vg_rule_urls_decide(const vg_item *it, const char *const *urls, size_t url_count,
                        const vg_decided_url *decided, size_t decided_count,
                        const vg_grading *g, vg_verdict *out, int64_t *from)
{
    memset(out, 0, sizeof *out);
    *from = 0;
    if (it->files || !url_count ||
        (it->category && !strcmp(it->category, VG_CATEGORY_LIVESTREAM)))
        return 0;
    for (size_t i = 0; i < url_count; i++) {
        int found = 0;
        for (size_t k = 0; k < decided_count; k++) {
            const vg_decided_url *d = &decided[k];
            if (!urls[i] || !d->canonical || strcmp(urls[i], d->canonical) || !d->verdict.legal)
                continue;
            found = 1;
            vg_rule_worst(out, &d->verdict, g);
            if (!*from || d->report_id < *from)
                *from = d->report_id;
        }
        if (!found) {
            memset(out, 0, sizeof *out);
            *from = 0;
            return 0;
        }
    }
    return 1;
}

static void copy_field(char *dst, size_t cap, const char *src, size_t n)
{
    if (n >= cap)
        n = 0; /* too long to be a code of ours: nothing */
    memcpy(dst, src, n);
    dst[n] = 0;
}

void vg_rule_item_verdict(const vg_item *it, const vg_grading *g, vg_verdict_text *out)
{
    memset(out, 0, sizeof *out);
    if (vg_item_finished(it)) {
        snprintf(out->legal, sizeof out->legal, "%s", it->legal ? it->legal : "");
        snprintf(out->severity, sizeof out->severity, "%s", it->severity ? it->severity : "");
        snprintf(out->age, sizeof out->age, "%s", it->age ? it->age : "");
        return;
    }
    /* bank_classes: "legal|severity|age" entries separated by ';' */
    for (const char *s = it->bank_classes; s && *s;) {
        size_t n = strcspn(s, ";");
        vg_verdict_text one;
        size_t a = strcspn(s, "|;"), b = a < n ? a + 1 + strcspn(s + a + 1, "|;") : n;
        copy_field(one.legal, sizeof one.legal, s, a);
        copy_field(one.severity, sizeof one.severity, s + (a < n ? a + 1 : n),
                   a < n ? b - a - 1 : 0);
        copy_field(one.age, sizeof one.age, s + (b < n ? b + 1 : n), b < n ? n - b - 1 : 0);
        vg_verdict worst = {NULL, out->severity[0] ? out->severity : NULL,
                            out->age[0] ? out->age : NULL};
        vg_verdict v = {NULL, one.severity, one.age};
        vg_rule_worst(&worst, &v, g);
        if (worst.severity && worst.severity != out->severity)
            snprintf(out->severity, sizeof out->severity, "%s", worst.severity);
        if (worst.age && worst.age != out->age)
            snprintf(out->age, sizeof out->age, "%s", worst.age);
        s += n;
        if (*s == ';')
            s++;
    }
}

static int by_case_key(const void *a, const void *b)
{
    const vg_item *x = *(const vg_item *const *)a, *y = *(const vg_item *const *)b;
    if (x->case_id != y->case_id)
        return x->case_id < y->case_id ? -1 : 1;
    int c = strcmp(x->content_key ? x->content_key : "", y->content_key ? y->content_key : "");
    if (c)
        return c;
    return x->report_id < y->report_id ? -1 : x->report_id > y->report_id;
}

void vg_rule_mark_copies(vg_item *items, size_t count)
{
    vg_item **order = malloc((count ? count : 1) * sizeof *order);
    if (!order)
        return; /* no copies marked: every item stays its own row */
    for (size_t i = 0; i < count; i++) {
        order[i] = &items[i];
        items[i].copies = 0;
        items[i].copy_of = 0;
    }
    qsort(order, count, sizeof *order, by_case_key);
    for (size_t i = 0; i < count;) {
        size_t j = i + 1;
        while (j < count && order[j]->case_id == order[i]->case_id && order[i]->content_key &&
               order[j]->content_key && !strcmp(order[j]->content_key, order[i]->content_key))
            j++;
        order[i]->copies = (int64_t)(j - i - 1);
        for (size_t k = i + 1; k < j; k++) {
            order[k]->copy_of = order[i]->report_id;
            if (order[k]->danger)
                order[i]->danger = 1;
        }
        i = j;
    }
    free(order);
}

const char *vg_rule_status_after(const char *legal)
{
    return legal && !strcmp(legal, VG_LEGAL_NOT_ILLEGAL) ? VG_REPORT_CLOSED : VG_REPORT_ASSESSED;
}

vg_preview_kind vg_rule_preview_kind(const vg_item_file *f)
{
    if (!f->vault_id)
        return VG_PREVIEW_NONE;
    if (f->content_type && !strncmp(f->content_type, "video/", 6))
        return VG_PREVIEW_STILLS;
    /* a PDQ hash was computed: vigie decoded it as a picture */
    if ((f->content_type && !strncmp(f->content_type, "image/", 6)) || f->pdq)
        return VG_PREVIEW_PICTURE;
    return VG_PREVIEW_NONE;
}
