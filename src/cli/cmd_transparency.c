/*
 * vigie transparency verify: check a hotline's public transparency log
 * (vigie/tlog.h) from the outside, as anyone may: the signed checkpoint,
 * the whole tree rebuilt from the entries, and that it extends the tree
 * seen last time (a state file), then print the entries that are new.
 */
#include <curl/curl.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "vigie/tlog.h"

#define VERIFY_FAILED 1 /* the log is not what it must be: exit status 1 */
#define MAX_BODY (64u << 20)

static void transparency_usage(FILE *out)
{
    fprintf(out,
            "usage: vigie transparency verify --server URL [--key VKEY] [--state FILE]\n"
            "\n"
            "verify fetches URL/transparency/checkpoint, checks its signature (by --key, a\n"
            "verifier key NAME+ID+KEY; else by the key pinned in the state file; else by\n"
            "the server's /transparency/key, pinned on first use), rebuilds the tree from\n"
            "every entry bundle and level-0 tile and checks the checkpoint's root, then\n"
            "checks that the tree begins with the one the state file recorded (same root\n"
            "at the old size: a log that shrank or was rewritten fails). New entries are\n"
            "printed as JSON lines; the state file is updated only when all checks pass.\n"
            "Exit status: 0 verified, 1 the log failed a check, 2 usage or network error.\n");
}

typedef struct body {
    char *data;
    size_t len;
} body;

static size_t collect(char *data, size_t size, size_t n, void *ctx)
{
    body *b = ctx;
    size_t add = size * n;
    if (b->len + add > MAX_BODY)
        return 0;
    char *p = realloc(b->data, b->len + add + 1);
    if (!p)
        return 0;
    memcpy(p + b->len, data, add);
    b->data = p;
    b->len += add;
    b->data[b->len] = 0;
    return add;
}

/* GET server + path into *out; 0 on a 200 answer. */
static int get(CURL *curl, const char *server, const char *path, body *out)
{
    char url[2048];
    snprintf(url, sizeof url, "%s/transparency/%s", server, path);
    memset(out, 0, sizeof *out);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    long status = 0;
    CURLcode rc = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    if (rc != CURLE_OK || status != 200) {
        fprintf(stderr, "vigie transparency: %s: %s\n", url,
                rc != CURLE_OK ? curl_easy_strerror(rc) : "the server did not answer 200");
        free(out->data);
        memset(out, 0, sizeof *out);
        return -1;
    }
    if (!out->data && !(out->data = calloc(1, 1)))
        return -1;
    return 0;
}

/* The state file: "key VKEY", "size N", "root HEX", one a line. */
typedef struct state {
    char key[512];
    uint64_t size;
    unsigned char root[32];
    int has_tree;
} state;

static int read_state(const char *path, state *s)
{
    memset(s, 0, sizeof *s);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0; /* first run */
    char line[500];
    int bad = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        size_t n = 0;
        if (!strncmp(line, "key ", 4))
            snprintf(s->key, sizeof s->key, "%s", line + 4);
        else if (!strncmp(line, "size ", 5))
            s->size = strtoull(line + 5, NULL, 10);
        else if (!strncmp(line, "root ", 5) &&
                 !sodium_hex2bin(s->root, 32, line + 5, strlen(line + 5), NULL, &n, NULL) &&
                 n == 32)
            s->has_tree = 1;
        else if (*line)
            bad = 1;
    }
    fclose(f);
    return bad ? -1 : 0;
}

static int write_state(const char *path, const state *s)
{
    char tmp[4200], hex[65];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return -1;
    sodium_bin2hex(hex, sizeof hex, s->root, 32);
    fprintf(f, "key %s\nsize %" PRIu64 "\nroot %s\n", s->key, s->size, hex);
    if (fclose(f) != 0 || rename(tmp, path) != 0)
        return -1;
    return 0;
}

typedef struct walk {
    unsigned char *leaves;
    uint64_t n, print_from;
    int bad;
} walk;

static void print_time(json_t *o, const char *name, int64_t t)
{
    char buf[32] = "";
    time_t tt = (time_t)t;
    struct tm tm;
    if (t && gmtime_r(&tt, &tm))
        strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    json_object_set_new(o, name, t ? json_string(buf) : json_null());
}

static int each_entry(void *ctx, const unsigned char *entry, size_t len)
{
    walk *w = ctx;
    vg_tlog_leaf_hash(entry, len, w->leaves + w->n * 32);
    if (w->n >= w->print_from) {
        vg_tlog_entry e;
        vg_error err;
        if (vg_tlog_entry_parse((const char *)entry, len, &e, &err) != VG_OK) {
            fprintf(stderr, "vigie transparency: entry %" PRIu64 ": %s\n", w->n, err.message);
            w->bad = 1;
        } else {
            char hex[65];
            sodium_bin2hex(hex, sizeof hex, e.url_commitment, 32);
            json_t *o = json_object();
            json_object_set_new(o, "index", json_integer((json_int_t)w->n));
            json_object_set_new(o, "action", json_string(vg_tlog_action_name(e.action)));
            print_time(o, "time", e.time);
            print_time(o, "expires", e.expires);
            json_object_set_new(o, "basis", json_string(e.basis));
            json_object_set_new(o, "category", json_string(e.category));
            json_object_set_new(o, "reason", json_string(e.reason));
            json_object_set_new(o, "url_commitment", json_string(hex));
            char *line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
            if (line)
                printf("%s\n", line);
            free(line);
            json_decref(o);
        }
    }
    w->n++;
    return 0;
}

static int fail(const char *fmt, const char *detail)
{
    fprintf(stderr, "vigie transparency: ");
    fprintf(stderr, fmt, detail);
    fputc('\n', stderr);
    return VERIFY_FAILED;
}

static int verify_log(CURL *curl, const char *server, const char *key_arg, const char *state_path)
{
    state st;
    if (state_path && read_state(state_path, &st) != 0) {
        fprintf(stderr, "vigie transparency: %s is not a state file\n", state_path);
        return VG_EXIT_USAGE;
    }
    if (!state_path)
        memset(&st, 0, sizeof st);
    body b;
    const char *key = key_arg;
    if (key && st.key[0] && strcmp(key, st.key))
        return fail("--key is not the key pinned in the state file (%s)", st.key);
    if (!key && st.key[0])
        key = st.key;
    if (!key) {
        if (get(curl, server, "key", &b))
            return VG_EXIT_USAGE;
        b.data[strcspn(b.data, "\r\n")] = 0;
        snprintf(st.key, sizeof st.key, "%s", b.data);
        free(b.data);
        key = st.key;
        fprintf(stderr, "vigie transparency: pinning the server's key %s\n", key);
    }
    vg_note_verifier v;
    vg_error err;
    if (vg_note_verifier_parse(key, strlen(key), &v, &err) != VG_OK) {
        fprintf(stderr, "vigie transparency: the key: %s\n", err.message);
        return VG_EXIT_USAGE;
    }
    if (get(curl, server, "checkpoint", &b))
        return VG_EXIT_USAGE;
    vg_tlog_checkpoint c;
    vg_status s = vg_tlog_checkpoint_open(b.data, b.len, &v, &c, &err);
    free(b.data);
    if (s)
        return fail("the checkpoint: %s", err.message);
    if (st.has_tree && c.size < st.size)
        return fail("the log shrank since the last check: %s", "a log only grows");

    walk w = {malloc(c.size ? c.size * 32 : 1), 0, st.has_tree ? st.size : 0, 0};
    if (!w.leaves)
        return VG_EXIT_USAGE;
    int rc = 0;
    for (uint64_t start = 0; start < c.size && !rc; start += VG_TLOG_TILE_WIDTH) {
        vg_tlog_tile bundle, tile;
        char path[64];
        vg_tlog_tile_for(c.size, VG_TLOG_ENTRIES, start, &bundle, NULL);
        vg_tlog_tile_for(c.size, 0, start, &tile, NULL);
        vg_tlog_tile_path(&bundle, path, sizeof path, NULL);
        if (get(curl, server, path, &b)) {
            rc = VG_EXIT_USAGE;
            break;
        }
        size_t count = 0;
        uint64_t before = w.n;
        s = vg_tlog_bundle_each((unsigned char *)b.data, b.len, each_entry, &w, &count, &err);
        free(b.data);
        if (s || count != bundle.width) {
            rc = fail("an entry bundle: %s", s ? err.message : "not as many entries as its width");
            break;
        }
        vg_tlog_tile_path(&tile, path, sizeof path, NULL);
        if (get(curl, server, path, &b)) {
            rc = VG_EXIT_USAGE;
            break;
        }
        if (b.len != (size_t)tile.width * 32 || memcmp(b.data, w.leaves + before * 32, b.len))
            rc = fail("tile %s does not hold the hashes of the entries", path);
        free(b.data);
    }
    vg_tlog_memory mem = {w.leaves, w.n};
    vg_tlog_reader reader = vg_tlog_memory_reader(&mem);
    unsigned char root[32], old_root[32];
    if (!rc && (w.bad || vg_tlog_tree_hash(&reader, c.size, root, NULL) != VG_OK ||
                memcmp(root, c.root, 32)))
        rc = fail("%s", w.bad ? "an entry is malformed"
                              : "the entries do not make the tree the checkpoint signs");
    if (!rc && st.has_tree &&
        (vg_tlog_tree_hash(&reader, st.size, old_root, NULL) != VG_OK ||
         memcmp(old_root, st.root, 32)))
        rc = fail("%s", "the log was rewritten: its first entries no longer make the tree "
                        "seen at the last check (a fork)");
    free(w.leaves);
    if (rc)
        return rc;
    st.size = c.size;
    memcpy(st.root, c.root, 32);
    st.has_tree = 1;
    if (state_path && write_state(state_path, &st)) {
        fprintf(stderr, "vigie transparency: cannot write %s\n", state_path);
        return VG_EXIT_USAGE;
    }
    fprintf(stderr, "vigie transparency: %s verified: %" PRIu64 " entries\n", c.origin, c.size);
    return VG_EXIT_OK;
}

static int verify(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"server", required_argument, NULL, 's'},
        {"key", required_argument, NULL, 'k'},
        {"state", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *server = NULL, *key = NULL, *state_path = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "s:k:f:h", longopts, NULL)) != -1) {
        switch (c) {
        case 's': server = optarg; break;
        case 'k': key = optarg; break;
        case 'f': state_path = optarg; break;
        case 'h': transparency_usage(stdout); return VG_EXIT_OK;
        default: transparency_usage(stderr); return VG_EXIT_USAGE;
        }
    }
    if (!server || optind != argc) {
        transparency_usage(stderr);
        return VG_EXIT_USAGE;
    }
    char base[1024];
    snprintf(base, sizeof base, "%s", server);
    size_t n = strlen(base);
    while (n && base[n - 1] == '/')
        base[--n] = 0;
    if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return VG_EXIT_USAGE;
    CURL *curl = curl_easy_init();
    int rc = curl ? verify_log(curl, base, key, state_path) : VG_EXIT_USAGE;
    curl_easy_cleanup(curl);
    curl_global_cleanup();
    return rc;
}

int cmd_transparency(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        transparency_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? VG_EXIT_USAGE : VG_EXIT_OK;
    }
    if (!strcmp(argv[1], "verify"))
        return verify(argc - 1, argv + 1);
    transparency_usage(stderr);
    return VG_EXIT_USAGE;
}
