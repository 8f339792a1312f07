/*
 * src/hotline/ispws.c - open CyberTipline-style reports (ispws.h).
 */
#include "hotline/ispws.h"

#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "util/secure.h"

typedef struct open_report {
    int64_t id, key_id, opened_at, changed_at;
    vg_intake_draft *draft;
    json_t *claim;        /* {"report": ..., "files": {file_id: details}} */
    char (*file_ids)[33]; /* one per file of the draft, in order */
    size_t file_ids_cap;
    int finishing; /* being written: other calls see it as gone */
} open_report;

typedef struct finished_report {
    int64_t id, key_id, finished_at;
} finished_report;

struct vg_ispws {
    vg_hotline *h;
    pthread_mutex_t lock;
    open_report *open;
    size_t count, max;
    finished_report *finished; /* remembered a day, to answer 5102 */
    size_t finished_count, finished_cap;
};

vg_status vg_ispws_new(vg_hotline *h, size_t max_open, vg_ispws **out, vg_error *err)
{
    vg_ispws *s = calloc(1, sizeof *s);
    if (!s || !(s->open = calloc(max_open ? max_open : 1, sizeof *s->open))) {
        free(s);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    s->h = h;
    s->max = max_open ? max_open : 1;
    pthread_mutex_init(&s->lock, NULL);
    *out = s;
    return VG_OK;
}

static void report_drop(vg_ispws *s, open_report *r)
{
    vg_intake_draft_free(s->h, r->draft);
    free(r->draft);
    json_decref(r->claim);
    free(r->file_ids);
    memset(r, 0, sizeof *r);
}

/* Remove slot i (the last one moves into it). */
static void slot_remove(vg_ispws *s, size_t i)
{
    report_drop(s, &s->open[i]);
    s->open[i] = s->open[--s->count];
    memset(&s->open[s->count], 0, sizeof s->open[s->count]);
}

void vg_ispws_free(vg_ispws *s)
{
    if (!s)
        return;
    while (s->count)
        slot_remove(s, 0);
    free(s->open);
    free(s->finished);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

/* Under the lock: expire what is due, forget finished reports after a day. */
static void sweep(vg_ispws *s, int64_t now)
{
    for (size_t i = s->count; i-- > 0;)
        if (!s->open[i].finishing &&
            now >= vg_rule_ispws_expiry(s->open[i].opened_at, s->open[i].changed_at))
            slot_remove(s, i);
    size_t kept = 0;
    for (size_t i = 0; i < s->finished_count; i++)
        if (now - s->finished[i].finished_at < VG_ISPWS_OPEN_SECONDS)
            s->finished[kept++] = s->finished[i];
    s->finished_count = kept;
}

/* Under the lock: the caller's open report, or NULL with *code saying why. */
static open_report *find(vg_ispws *s, int64_t key_id, int64_t id, int64_t now, vg_ispws_code *code)
{
    sweep(s, now);
    for (size_t i = 0; i < s->count; i++)
        if (s->open[i].id == id && s->open[i].key_id == key_id && !s->open[i].finishing)
            return &s->open[i];
    *code = VG_ISPWS_NO_REPORT;
    for (size_t i = 0; i < s->finished_count; i++)
        if (s->finished[i].id == id && s->finished[i].key_id == key_id)
            *code = VG_ISPWS_FINISHED;
    return NULL;
}

vg_ispws_code vg_ispws_open(vg_ispws *s, int64_t key_id, vg_intake_draft *d, const char *claim,
                            int64_t now, int64_t *report_id, vg_error *err)
{
    json_t *c = json_object(), *report = claim ? json_loads(claim, 0, NULL) : json_object();
    if (!c || !report || json_object_set_new(c, "report", report) ||
        json_object_set_new(c, "files", json_object())) {
        json_decref(c);
        vg_intake_draft_free(s->h, d);
        free(d);
        vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        return VG_ISPWS_SERVER_ERROR;
    }
    pthread_mutex_lock(&s->lock);
    sweep(s, now);
    if (s->count == s->max) {
        pthread_mutex_unlock(&s->lock);
        json_decref(c);
        vg_intake_draft_free(s->h, d);
        free(d);
        vg_error_set(err, VG_ERR_TOO_LARGE, "too many reports are open; finish some first");
        return VG_ISPWS_SERVER_ERROR;
    }
    /* a number a JSON or JavaScript client keeps exactly, never 0, unique
     * among those open and recently finished */
    int64_t id;
    vg_ispws_code unused;
    do {
        uint64_t r;
        randombytes_buf(&r, sizeof r);
        id = (int64_t)(r & ((1ull << 53) - 1));
    } while (id == 0 || find(s, key_id, id, now, &unused) || unused == VG_ISPWS_FINISHED);
    open_report *r = &s->open[s->count++];
    *r = (open_report){
        .id = id, .key_id = key_id, .opened_at = now, .changed_at = now, .draft = d, .claim = c};
    pthread_mutex_unlock(&s->lock);
    *report_id = id;
    return VG_ISPWS_OK;
}

vg_ispws_code vg_ispws_upload(vg_ispws *s, int64_t key_id, int64_t report_id, vg_upload_set *set,
                              int64_t now, char file_id[33], char md5[33], vg_error *err)
{
    vg_ispws_code code = VG_ISPWS_OK;
    pthread_mutex_lock(&s->lock);
    open_report *r = find(s, key_id, report_id, now, &code);
    if (!r) {
        pthread_mutex_unlock(&s->lock);
        vg_error_set(err, VG_ERR_INVALID, "%s", vg_ispws_code_text(code));
        return code;
    }
    size_t before = r->draft->report.file_count;
    vg_status st = set ? vg_upload_set_take(set, r->draft, err)
                       : vg_error_set(err, VG_ERR_INVALID, "no file was sent");
    size_t after = r->draft->report.file_count;
    if (st == VG_OK && after == before)
        st = vg_error_set(err, VG_ERR_INVALID, "no file was sent (a part named \"file\")");
    if (st == VG_OK && after > r->file_ids_cap) {
        size_t cap = after * 2;
        char(*grown)[33] = realloc(r->file_ids, cap * sizeof *grown);
        if (!grown)
            st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        else {
            r->file_ids = grown;
            r->file_ids_cap = cap;
        }
    }
    if (st == VG_OK) {
        for (size_t i = before; i < after; i++)
            vg_random_hex(r->file_ids[i], 16);
        memcpy(file_id, r->file_ids[before], 33);
        const char *m = r->draft->report.files[before].md5;
        memcpy(md5, m ? m : "", m ? 33 : 1);
        r->changed_at = now;
    }
    pthread_mutex_unlock(&s->lock);
    if (st == VG_OK)
        return VG_ISPWS_OK;
    return st == VG_ERR_INVALID || st == VG_ERR_TOO_LARGE ? VG_ISPWS_INVALID
                                                          : VG_ISPWS_SERVER_ERROR;
}

vg_ispws_code vg_ispws_file_details(vg_ispws *s, int64_t key_id, int64_t report_id,
                                    const char *file_id, const char *details, int64_t now,
                                    vg_error *err)
{
    vg_ispws_code code = VG_ISPWS_OK;
    json_t *j = json_loads(details ? details : "{}", 0, NULL);
    pthread_mutex_lock(&s->lock);
    open_report *r = find(s, key_id, report_id, now, &code);
    int known = 0;
    for (size_t i = 0; r && file_id && i < r->draft->report.file_count; i++)
        known |= !strcmp(r->file_ids[i], file_id);
    if (r && !known) {
        code = VG_ISPWS_INVALID;
        vg_error_set(err, VG_ERR_INVALID, "the report has no file with that fileId");
    } else if (r && (!j || json_object_set(json_object_get(r->claim, "files"), file_id, j))) {
        code = VG_ISPWS_SERVER_ERROR;
        vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    } else if (r) {
        r->changed_at = now;
    } else {
        vg_error_set(err, VG_ERR_INVALID, "%s", vg_ispws_code_text(code));
    }
    pthread_mutex_unlock(&s->lock);
    json_decref(j);
    return code;
}

vg_ispws_code vg_ispws_finish(vg_ispws *s, int64_t key_id, int64_t report_id, int64_t now,
                              char ***file_ids, size_t *file_count, vg_error *err)
{
    *file_ids = NULL;
    *file_count = 0;
    vg_ispws_code code = VG_ISPWS_OK;
    pthread_mutex_lock(&s->lock);
    open_report *r = find(s, key_id, report_id, now, &code);
    if (!r) {
        pthread_mutex_unlock(&s->lock);
        vg_error_set(err, VG_ERR_INVALID, "%s", vg_ispws_code_text(code));
        return code;
    }
    /* written outside the lock: other reports go on meanwhile */
    r->finishing = 1;
    vg_intake_draft *d = r->draft;
    size_t n = d->report.file_count;
    char **ids = n ? calloc(n, sizeof *ids) : NULL;
    for (size_t i = 0; ids && i < n; i++)
        ids[i] = strdup(r->file_ids[i]);
    json_t *extra = json_pack("{s:O}", "sender_claim", r->claim);
    pthread_mutex_unlock(&s->lock);

    char *extra_text = extra ? json_dumps(extra, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(extra);
    vg_status st =
        extra_text && (ids || !n) ? VG_OK : vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    d->report.extra_json = extra_text;
    vg_report_ack ack = {0};
    if (st == VG_OK)
        st = vg_hotline_submit(s->h, d, NULL, now, &ack, err);
    vg_report_ack_clear(&ack);
    d->report.extra_json = NULL;
    free(extra_text);

    pthread_mutex_lock(&s->lock);
    size_t slot = 0;
    while (slot < s->count && (s->open[slot].id != report_id || s->open[slot].key_id != key_id))
        slot++;
    if (st == VG_OK) {
        slot_remove(s, slot); /* the draft was stored: its files stay */
        if (s->finished_count == s->finished_cap) {
            size_t cap = s->finished_cap ? s->finished_cap * 2 : 16;
            finished_report *grown = realloc(s->finished, cap * sizeof *grown);
            if (grown) {
                s->finished = grown;
                s->finished_cap = cap;
            }
        }
        if (s->finished_count < s->finished_cap)
            s->finished[s->finished_count++] = (finished_report){report_id, key_id, now};
    } else {
        s->open[slot].finishing = 0; /* the sender may try again */
    }
    pthread_mutex_unlock(&s->lock);
    if (st != VG_OK) {
        for (size_t i = 0; ids && i < n; i++)
            free(ids[i]);
        free(ids);
        return VG_ISPWS_SERVER_ERROR;
    }
    *file_ids = ids;
    *file_count = n;
    return VG_ISPWS_OK;
}

vg_ispws_code vg_ispws_retract(vg_ispws *s, int64_t key_id, int64_t report_id, int64_t now,
                               vg_error *err)
{
    vg_ispws_code code = VG_ISPWS_OK;
    pthread_mutex_lock(&s->lock);
    open_report *r = find(s, key_id, report_id, now, &code);
    if (r)
        slot_remove(s, (size_t)(r - s->open));
    else
        vg_error_set(err, VG_ERR_INVALID, "%s", vg_ispws_code_text(code));
    pthread_mutex_unlock(&s->lock);
    return code;
}

size_t vg_ispws_open_count(vg_ispws *s, int64_t now)
{
    pthread_mutex_lock(&s->lock);
    sweep(s, now);
    size_t n = s->count;
    pthread_mutex_unlock(&s->lock);
    return n;
}
