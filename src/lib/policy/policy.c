/*
 * Negative banks and the quarantine of entries that match far more than
 * usual (see vigie/policy.h for the rules).
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/lines.h"
#include "vigie/policy.h"

/* ---- negative banks ------------------------------------------------------- */

static bool equals_nocase(const char *s, size_t len, const char *word)
{
    if (strlen(word) != len)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] + 32) : s[i];
        if (c != word[i])
            return false;
    }
    return true;
}

bool vg_policy_is_negative(const vg_index_entry *e)
{
    const char *name = e->columns, *name_end = e->columns + e->columns_len;
    const char *value = e->metadata, *value_end = e->metadata + e->metadata_len;
    while (name < name_end && value < value_end) {
        size_t nlen = strnlen(name, (size_t)(name_end - name));
        size_t vlen = strnlen(value, (size_t)(value_end - value));
        if (equals_nocase(name, nlen, VG_POLICY_COLUMN))
            return equals_nocase(value, vlen, VG_POLICY_NEGATIVE);
        name += nlen + 1;
        value += vlen + 1;
    }
    return false;
}

size_t vg_policy_apply(const vg_index *index, vg_policy_match *m, size_t count)
{
    bool any_negative = false;
    for (size_t i = 0; i < count; i++) {
        vg_index_entry e;
        m[i].negative = vg_index_entry_get(index, m[i].entry, &e, NULL) == VG_OK &&
                        vg_policy_is_negative(&e);
        m[i].suppressed = false;
        any_negative |= m[i].negative;
    }
    size_t left = 0;
    for (size_t i = 0; i < count; i++) {
        if (m[i].negative)
            continue;
        for (size_t n = 0; any_negative && n < count && !m[i].suppressed; n++) {
            if (!m[n].negative)
                continue;
            bool outweighs = m[n].digest ? true
                                         : !m[i].digest && m[n].distance <= m[i].distance;
            if (outweighs) {
                m[i].suppressed = true;
                m[i].suppressed_by = m[n].entry;
            }
        }
        left += !m[i].suppressed;
    }
    return left;
}

/* ---- quarantine -------------------------------------------------------------- */

#define KEY_MAX 256

typedef struct slot {
    char *key; /* NULL: empty */
    uint64_t hash;
    vg_quarantine_count c;
} slot;

struct vg_quarantine {
    vg_quarantine_options opts;
    pthread_mutex_t lock;
    slot *slots;
    size_t capacity, used;
};

static uint64_t hash_key(const char *key)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a: keys are the operator's bank ids */
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        h = (h ^ *p) * 1099511628211ull;
    return h;
}

static slot *find(slot *slots, size_t capacity, const char *key, uint64_t h)
{
    for (size_t i = (size_t)h & (capacity - 1);; i = (i + 1) & (capacity - 1))
        if (!slots[i].key || (slots[i].hash == h && !strcmp(slots[i].key, key)))
            return &slots[i];
}

static bool grow(vg_quarantine *q)
{
    size_t capacity = q->capacity ? q->capacity * 2 : 256;
    slot *slots = calloc(capacity, sizeof *slots);
    if (!slots)
        return false;
    for (size_t i = 0; i < q->capacity; i++)
        if (q->slots[i].key)
            *find(slots, capacity, q->slots[i].key, q->slots[i].hash) = q->slots[i];
    free(q->slots);
    q->slots = slots;
    q->capacity = capacity;
    return true;
}

/* The slot of key, created when absent (NULL when memory runs out or the
 * key is too long). Called with the lock held. */
static slot *entry(vg_quarantine *q, const char *key, bool create)
{
    if (strlen(key) >= KEY_MAX)
        return NULL;
    uint64_t h = hash_key(key);
    if (q->capacity) {
        slot *s = find(q->slots, q->capacity, key, h);
        if (s->key || !create)
            return s->key ? s : NULL;
    } else if (!create) {
        return NULL;
    }
    if ((q->used + 1) * 2 > q->capacity && !grow(q))
        return NULL;
    slot *s = find(q->slots, q->capacity, key, h);
    s->key = strdup(key);
    if (!s->key)
        return NULL;
    s->hash = h;
    s->c = (vg_quarantine_count)VG_QUARANTINE_COUNT_INIT;
    q->used++;
    return s;
}

vg_quarantine_options vg_quarantine_options_resolve(const vg_quarantine_options *opts)
{
    vg_quarantine_options o = opts ? *opts : (vg_quarantine_options){0};
    if (o.window_seconds <= 0)
        o.window_seconds = 3600;
    if (!o.min_matches)
        o.min_matches = 50;
    if (!(o.factor > 0))
        o.factor = 10;
    if (!(o.smoothing > 0 && o.smoothing <= 1))
        o.smoothing = 0.2;
    return o;
}

vg_status vg_quarantine_new(const vg_quarantine_options *opts, vg_quarantine **out,
                            vg_error *err)
{
    vg_quarantine *q = calloc(1, sizeof *q);
    if (!q)
        return vg_error_set(err, VG_ERR_NOMEM, "quarantine: out of memory");
    q->opts = vg_quarantine_options_resolve(opts);
    pthread_mutex_init(&q->lock, NULL);
    *out = q;
    return VG_OK;
}

void vg_quarantine_free(vg_quarantine *q)
{
    if (!q)
        return;
    for (size_t i = 0; i < q->capacity; i++)
        free(q->slots[i].key);
    free(q->slots);
    pthread_mutex_destroy(&q->lock);
    free(q);
}

/* Move c to the window holding now: the finished window enters the usual
 * rate, and each window without a match lowers it. */
static void advance(const vg_quarantine_options *o, vg_quarantine_count *c, int64_t now)
{
    int64_t w = now - ((now % o->window_seconds) + o->window_seconds) % o->window_seconds;
    if (c->window == INT64_MIN) {
        c->window = w;
        return;
    }
    if (w <= c->window)
        return;
    double a = o->smoothing;
    c->usual = (1 - a) * c->usual + a * c->count;
    int64_t empty = (w - c->window) / o->window_seconds - 1;
    if (empty > 0)
        c->usual *= pow(1 - a, (double)(empty < 10000 ? empty : 10000));
    c->count = 0;
    c->window = w;
}

static bool count_match(const vg_quarantine_options *o, vg_quarantine_count *c, int64_t now)
{
    advance(o, c, now);
    if (c->count < UINT32_MAX)
        c->count++;
    double usual = c->usual > 1 ? c->usual : 1;
    if (c->count > o->min_matches && c->count > o->factor * usual)
        c->held = true;
    return c->held;
}

bool vg_quarantine_count_match(const vg_quarantine_options *opts, vg_quarantine_count *c,
                               int64_t now)
{
    vg_quarantine_options o = vg_quarantine_options_resolve(opts);
    return count_match(&o, c, now);
}

void vg_quarantine_count_release(vg_quarantine_count *c)
{
    c->held = false;
    if (c->count > c->usual)
        c->usual = c->count;
}

bool vg_quarantine_observe(vg_quarantine *q, const char *key, int64_t now)
{
    pthread_mutex_lock(&q->lock);
    slot *s = entry(q, key, true);
    bool held = s && count_match(&q->opts, &s->c, now);
    pthread_mutex_unlock(&q->lock);
    return held;
}

bool vg_quarantine_is_held(vg_quarantine *q, const char *key)
{
    pthread_mutex_lock(&q->lock);
    slot *s = entry(q, key, false);
    bool held = s && s->c.held;
    pthread_mutex_unlock(&q->lock);
    return held;
}

void vg_quarantine_release(vg_quarantine *q, const char *key)
{
    pthread_mutex_lock(&q->lock);
    slot *s = entry(q, key, false);
    if (s)
        vg_quarantine_count_release(&s->c);
    pthread_mutex_unlock(&q->lock);
}

void vg_quarantine_each_held(vg_quarantine *q, void (*fn)(void *ctx, const char *key), void *ctx)
{
    pthread_mutex_lock(&q->lock);
    for (size_t i = 0; i < q->capacity; i++)
        if (q->slots[i].key && q->slots[i].c.held)
            fn(ctx, q->slots[i].key);
    pthread_mutex_unlock(&q->lock);
}

vg_status vg_quarantine_save(vg_quarantine *q, const char *path, vg_error *err)
{
    lwriter w;
    vg_status st = lwriter_open(&w, path, err);
    if (st != VG_OK)
        return st;
    lwriter_line(&w, "vigie-quarantine 1", 18);
    pthread_mutex_lock(&q->lock);
    for (size_t i = 0; i < q->capacity; i++) {
        const slot *s = &q->slots[i];
        if (!s->key)
            continue;
        char line[KEY_MAX + 96];
        int n = snprintf(line, sizeof line, "%lld\t%u\t%.6f\t%d\t%s", (long long)s->c.window,
                         s->c.count, s->c.usual, s->c.held, s->key);
        lwriter_line(&w, line, (size_t)n);
    }
    pthread_mutex_unlock(&q->lock);
    return lwriter_commit(&w, NULL, err);
}

vg_status vg_quarantine_load(const char *path, const vg_quarantine_options *opts,
                             vg_quarantine **out, vg_error *err)
{
    vg_status st = vg_quarantine_new(opts, out, err);
    if (st != VG_OK)
        return st;
    if (access(path, F_OK) != 0 && errno == ENOENT)
        return VG_OK;
    lreader r;
    st = lreader_open(&r, path, err);
    if (st != VG_OK) {
        vg_quarantine_free(*out);
        *out = NULL;
        return st;
    }
    const char *line;
    size_t len;
    bool got;
    st = lreader_next(&r, &line, &len, &got, err);
    if (st == VG_OK && (!got || len != 18 || memcmp(line, "vigie-quarantine 1", 18)))
        st = vg_error_set(err, VG_ERR_CORRUPT, "%s: not a vigie quarantine file", path);
    while (st == VG_OK) {
        st = lreader_next(&r, &line, &len, &got, err);
        if (st != VG_OK || !got)
            break;
        char text[KEY_MAX + 96], key[KEY_MAX];
        long long window;
        unsigned count;
        double usual;
        int held, used = 0;
        if (len >= sizeof text ||
            (memcpy(text, line, len), text[len] = '\0',
             sscanf(text, "%lld\t%u\t%lf\t%d\t%n", &window, &count, &usual, &held, &used) != 4) ||
            !used || !text[used] || strlen(text + used) >= KEY_MAX || !(usual >= 0)) {
            st = vg_error_set(err, VG_ERR_CORRUPT, "%s: line %llu is not a quarantine line",
                              path, (unsigned long long)r.line);
            break;
        }
        snprintf(key, sizeof key, "%s", text + used);
        slot *s = entry(*out, key, true);
        if (!s) {
            st = vg_error_set(err, VG_ERR_NOMEM, "%s: out of memory", path);
            break;
        }
        s->c = (vg_quarantine_count){window, count, usual, held != 0};
    }
    lreader_close(&r);
    if (st != VG_OK) {
        vg_quarantine_free(*out);
        *out = NULL;
    }
    return st;
}
