/*
 * vigie match --index FILE [--radius R] [--threads N] [--format csv|json] [QUERIES|-]
 *
 * Each query line is a hex hash: 32 digits md5, 40 sha1, 64 sha256 and pdq
 * (both are tried, pdq against pdq and pdq_trimmed entries), more an
 * encoded patch set (docs/robust.md). One output row per match: the
 * query's 0-based line number, the matching entry's id, the distance (0
 * for digests), its signal type and score (patch sets). Queries
 * are read in chunks; a chunk is answered by all threads, each formatting
 * its queries' rows into its own buffer, and printed in query order, so
 * memory stays bounded by the chunk whatever the input size. Entries of
 * negative banks are never reported and outweigh the matches vigie/policy.h
 * says they do.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "vigie/index.h"
#include "vigie/vigie.h"

#define CHUNK_QUERIES 16384
#define MAX_THREADS 256
#define LINE_MAX_BYTES 4096

typedef struct query {
    uint64_t line; /* 0-based */
    int hex_len;
    uint8_t value[VG_PATCHSET_MAX_BYTES]; /* a digest, a PDQ or an encoded patch set */
} query;

typedef struct text {
    char *data;
    size_t len, cap;
    bool failed;
} text;

static void put(text *t, const char *s, size_t n)
{
    if (t->failed)
        return;
    if (t->len + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 4096;
        while (cap < t->len + n + 1)
            cap *= 2;
        char *p = realloc(t->data, cap);
        if (!p) {
            t->failed = true;
            return;
        }
        t->data = p;
        t->cap = cap;
    }
    memcpy(t->data + t->len, s, n);
    t->len += n;
}

static void puts_(text *t, const char *s)
{
    put(t, s, strlen(s));
}

static void put_csv_field(text *t, const char *s, size_t n)
{
    bool quote = false;
    for (size_t i = 0; i < n && !quote; i++)
        quote = s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
    if (!quote) {
        put(t, s, n);
        return;
    }
    put(t, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            put(t, "\"", 1);
        put(t, s + i, 1);
    }
    put(t, "\"", 1);
}

static void put_json_string(text *t, const char *s, size_t n)
{
    put(t, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[8];
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            put(t, esc, 2);
        } else if (c < 0x20) {
            snprintf(esc, sizeof esc, "\\u%04x", c);
            put(t, esc, 6);
        } else {
            put(t, s + i, 1);
        }
    }
    put(t, "\"", 1);
}

/* The bank's extra columns as a JSON object ("metadata":{...}): names and
 * values are both NUL-separated lists, in the same order. */
static void put_metadata(text *t, const vg_index_entry *e)
{
    puts_(t, ",\"metadata\":{");
    const char *name = e->columns, *name_end = e->columns + e->columns_len;
    const char *value = e->metadata, *value_end = e->metadata + e->metadata_len;
    bool first = true;
    while (name < name_end && value < value_end) {
        size_t nlen = strnlen(name, (size_t)(name_end - name));
        size_t vlen = strnlen(value, (size_t)(value_end - value));
        if (!first)
            put(t, ",", 1);
        first = false;
        put_json_string(t, name, nlen);
        put(t, ":", 1);
        put_json_string(t, value, vlen);
        name += nlen + 1;
        value += vlen + 1;
    }
    puts_(t, "}");
}

typedef struct job {
    const vg_index *index;
    int radius;
    bool json;
    const query *queries;
    size_t count;
    atomic_size_t next;
    /* Per query: which thread's buffer and where its rows are. */
    uint32_t *owner;
    size_t *offset, *length;
    text *buffers;
    atomic_bool failed;
    atomic_ullong suppressed; /* positive matches a negative bank outweighs */
} job;

static void format_match(job *j, text *t, const query *q, const vg_index_match *m)
{
    vg_index_entry e;
    if (vg_index_entry_get(j->index, m->entry, &e, NULL) != VG_OK)
        return;
    char num[32];
    if (j->json) {
        snprintf(num, sizeof num, "{\"query\":%llu,\"match\":", (unsigned long long)q->line);
        puts_(t, num);
        put_json_string(t, e.id, e.id_len);
        snprintf(num, sizeof num, ",\"distance\":%d,\"score\":%d,", m->distance, m->score);
        puts_(t, num);
        puts_(t, "\"signal_type\":\"");
        puts_(t, vg_signal_type_name(m->type));
        puts_(t, "\",\"bank\":");
        put_json_string(t, e.bank_name, strlen(e.bank_name));
        put_metadata(t, &e);
        puts_(t, "}\n");
    } else {
        snprintf(num, sizeof num, "%llu,", (unsigned long long)q->line);
        puts_(t, num);
        put_csv_field(t, e.id, e.id_len);
        if (m->type == VG_SIGNAL_PATCHSET)
            snprintf(num, sizeof num, ",,%s,%d\n", vg_signal_type_name(m->type), m->score);
        else
            snprintf(num, sizeof num, ",%d,%s,\n", m->distance, vg_signal_type_name(m->type));
        puts_(t, num);
    }
}

/* The matches of one reading of a query (as a digest, or as a PDQ hash),
 * without negative entries and the matches they outweigh (vigie/policy.h). */
static void report(job *j, text *t, const query *q, const vg_index_matches *m, bool digest)
{
    if (!m->count)
        return;
    vg_policy_match small[32];
    vg_policy_match *pm = m->count <= 32 ? small : malloc(m->count * sizeof *pm);
    if (!pm) {
        j->failed = true;
        return;
    }
    /* A patch set's score counts up: 64 - score as the policy's distance
     * (see vigie scan). */
    for (size_t i = 0; i < m->count; i++)
        pm[i] = (vg_policy_match){.entry = m->items[i].entry,
                                  .distance = m->items[i].type == VG_SIGNAL_PATCHSET
                                                  ? 64 - m->items[i].score
                                                  : m->items[i].distance,
                                  .digest = digest};
    vg_policy_apply(j->index, pm, m->count);
    for (size_t i = 0; i < m->count; i++) {
        if (pm[i].suppressed)
            j->suppressed++;
        else if (!pm[i].negative)
            format_match(j, t, q, &m->items[i]);
    }
    if (pm != small)
        free(pm);
}

static void answer(job *j, text *t, const query *q, vg_index_matches *m, vg_patch_search *ps)
{
    if (q->hex_len > 64) {
        vg_patchset set;
        if (vg_patchset_decode(q->value, (size_t)q->hex_len / 2, &set, NULL) != VG_OK ||
            vg_index_search_patchset(j->index, &set, VG_PATCH_MIN_INLIERS, ps, m, NULL) != VG_OK) {
            j->failed = true;
            return;
        }
        report(j, t, q, m, false);
        return;
    }
    vg_signal_type exact = q->hex_len == 32 ? VG_SIGNAL_MD5
                           : q->hex_len == 40 ? VG_SIGNAL_SHA1 : VG_SIGNAL_SHA256;
    if (vg_index_find_exact(j->index, exact, q->value, m, NULL) != VG_OK) {
        j->failed = true;
        return;
    }
    report(j, t, q, m, true);
    if (q->hex_len != 64)
        return;
    vg_pdq_hash h;
    memcpy(h.bytes, q->value, 32);
    if (vg_index_search_pdq(j->index, &h, j->radius, m, NULL) != VG_OK) {
        j->failed = true;
        return;
    }
    report(j, t, q, m, false);
}

typedef struct worker_arg {
    job *j;
    uint32_t id;
} worker_arg;

static void *worker(void *arg)
{
    worker_arg *w = arg;
    job *j = w->j;
    text *t = &j->buffers[w->id];
    vg_index_matches m = {0};
    vg_patch_search ps = {0};
    for (;;) {
        size_t start = atomic_fetch_add(&j->next, 16);
        if (start >= j->count)
            break;
        size_t end = start + 16 < j->count ? start + 16 : j->count;
        for (size_t i = start; i < end; i++) {
            j->owner[i] = w->id;
            j->offset[i] = t->len;
            answer(j, t, &j->queries[i], &m, &ps);
            j->length[i] = t->len - j->offset[i];
        }
    }
    if (t->failed)
        j->failed = true;
    vg_index_matches_free(&m);
    vg_patch_search_free(&ps);
    return NULL;
}

static int parse_hex_line(const char *s, size_t n, query *q, const char **why)
{
    bool patchset = n > 64 && n % 2 == 0 && n / 2 <= VG_PATCHSET_MAX_BYTES;
    if (n != 32 && n != 40 && n != 64 && !patchset) {
        *why = "a query is 32 (md5), 40 (sha1) or 64 (sha256 or pdq) hex digits, or a patchset";
        return -1;
    }
    if (!vg_hex_parse(s, n / 2, q->value)) {
        *why = "not a hexadecimal hash";
        return -1;
    }
    vg_patchset set;
    if (patchset && vg_patchset_decode(q->value, n / 2, &set, NULL) != VG_OK) {
        *why = "not an encoded patch set (docs/robust.md)";
        return -1;
    }
    q->hex_len = (int)n;
    return 0;
}

/* ---- vPDQ hash files as queries ----------------------------------------- */

/* One row per matching video: CSV query,match,query_percent,
 * compared_percent; JSON with the counts, bank and metadata too. */
static void format_video_match(text *t, bool json, const char *query, const vg_index *index,
                               const vg_index_video_match *m)
{
    vg_index_entry e;
    if (vg_index_entry_get(index, m->entry, &e, NULL) != VG_OK)
        return;
    const vg_vpdq_similarity *sim = &m->similarity;
    char num[256];
    if (json) {
        puts_(t, "{\"query\":");
        put_json_string(t, query, strlen(query));
        puts_(t, ",\"match\":");
        put_json_string(t, e.id, e.id_len);
        snprintf(num, sizeof num,
                 ",\"query_percent\":%.3f,\"compared_percent\":%.3f,\"query_frames\":%zu,"
                 "\"query_matched\":%zu,\"compared_frames\":%zu,\"compared_matched\":%zu,"
                 "\"signal_type\":\"vpdq\",\"bank\":",
                 sim->query_percent, sim->compared_percent, sim->query_frames,
                 sim->query_matched, sim->compared_frames, sim->compared_matched);
        puts_(t, num);
        put_json_string(t, e.bank_name, strlen(e.bank_name));
        put_metadata(t, &e);
        puts_(t, "}\n");
    } else {
        put_csv_field(t, query, strlen(query));
        put(t, ",", 1);
        put_csv_field(t, e.id, e.id_len);
        snprintf(num, sizeof num, ",%.3f,%.3f\n", sim->query_percent, sim->compared_percent);
        puts_(t, num);
    }
}

/* Each file is one query video. Returns the exit status. */
static int match_videos(const vg_index *index, char **paths, int count,
                        const vg_vpdq_match_options *opts, bool json)
{
    int status = VG_EXIT_OK;
    bool first_row = true;
    text t = {0};
    vg_index_video_matches found = {0};
    fputs(json ? "[" : "query,match,query_percent,compared_percent\n", stdout);
    for (int i = 0; i < count; i++) {
        vg_vpdq video = VG_VPDQ_INIT;
        vg_vpdq_set set = {0};
        vg_error err;
        vg_status st = vg_vpdq_load_file(paths[i], 0, &video, &err);
        if (st == VG_OK)
            st = vg_vpdq_set_from(&video, opts->quality_threshold, &set, &err);
        if (st == VG_OK)
            st = vg_index_search_vpdq(index, &set, opts, &found, &err);
        if (st != VG_OK) {
            fprintf(stderr, "vigie match: %s\n", err.message);
            status = st == VG_ERR_NOMEM ? VG_EXIT_USAGE : VG_EXIT_PARTIAL;
        }
        for (size_t k = 0; st == VG_OK && k < found.count; k++) {
            t.len = 0;
            format_video_match(&t, json, paths[i], index, &found.items[k]);
            if (json && t.len) {
                fputs(first_row ? "\n  " : ",\n  ", stdout);
                first_row = false;
                t.len--; /* the newline: the array joins the rows */
            }
            fwrite(t.data, 1, t.len, stdout);
        }
        vg_vpdq_set_free(&set);
        vg_vpdq_free(&video);
        if (status == VG_EXIT_USAGE || t.failed)
            break;
    }
    fputs(json ? (first_row ? "]\n" : "\n]\n") : "", stdout);
    if (t.failed) {
        fprintf(stderr, "vigie match: out of memory\n");
        status = VG_EXIT_USAGE;
    }
    if (fflush(stdout) != 0) {
        fprintf(stderr, "vigie match: cannot write the results: %s\n", strerror(errno));
        status = VG_EXIT_USAGE;
    }
    free(t.data);
    vg_index_video_matches_free(&found);
    return status;
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: vigie match --index FILE [--radius R] [--threads N] [--format csv|json] "
            "[QUERIES|-]\n"
            "       vigie match --index FILE [--radius R] [--query-percent P]\n"
            "                   [--compared-percent P] [--format csv|json] VPDQ_FILE...\n\n"
            "Look up hex hashes, one per line (32 md5, 40 sha1, 64 sha256 or pdq, longer: an\n"
            "encoded patch set), in an index built by 'vigie index build'. Prints one row\n"
            "per match: query (0-based line), match (the entry's id), distance (0 for\n"
            "digests, Hamming distance for pdq, pdq_trimmed and vpdq, empty for patchset),\n"
            "signal_type (the matching entry's: vpdq when a pdq query matched a frame of a\n"
            "known video), score (patchset: agreeing patches).\n"
            "A 64-digit query is looked up as sha256, pdq and pdq_trimmed.\n\n"
            "vPDQ hash files (frame_number,quality,pdq_hex,timestamp lines) are each one query\n"
            "video, matched against the videos of the index: one row per matching video,\n"
            "query (the file), match, query_percent, compared_percent.\n\n"
            "  --index FILE      the index to search (required)\n"
            "  --radius R        PDQ match radius, 0..64 (default %d); for videos, the\n"
            "                    distance within which a frame matches\n"
            "  --query-percent P      videos: share of the query's frames that must match\n"
            "                         (default 80)\n"
            "  --compared-percent P   videos: share of the indexed video's frames (default 0)\n"
            "  --threads N       worker threads for batches (default: online CPUs)\n"
            "  --format F        csv (default) or json\n"
            "Exit status: 0 all queries read, 1 some query lines were bad, 2 usage error.\n",
            VG_PDQ_MATCH_THRESHOLD);
}

static int flush_chunk(job *j, int threads, bool *first_row, FILE *out)
{
    /* A single query, or a small chunk, is answered on this thread. */
    size_t want = threads;
    if (j->count < 64)
        want = 1;
    if (want > (j->count + 15) / 16)
        want = (j->count + 15) / 16;
    if (want < 1)
        want = 1;
    atomic_store(&j->next, 0);
    for (size_t i = 0; i < want; i++)
        j->buffers[i].len = 0;
    pthread_t tids[MAX_THREADS];
    worker_arg args[MAX_THREADS];
    size_t started = 0;
    for (size_t i = 1; i < want; i++) {
        args[i] = (worker_arg){j, (uint32_t)i};
        if (pthread_create(&tids[i], NULL, worker, &args[i]) != 0)
            break;
        started = i;
    }
    args[0] = (worker_arg){j, 0};
    worker(&args[0]);
    for (size_t i = 1; i <= started; i++)
        pthread_join(tids[i], NULL);
    if (j->failed) {
        fprintf(stderr, "vigie match: out of memory while answering queries\n");
        return -1;
    }
    for (size_t i = 0; i < j->count; i++) {
        if (!j->length[i])
            continue;
        const char *rows = j->buffers[j->owner[i]].data + j->offset[i];
        if (!j->json) {
            fwrite(rows, 1, j->length[i], out);
            continue;
        }
        /* JSON rows end in "}\n": join them with commas inside the array. */
        const char *p = rows, *end = rows + j->length[i];
        while (p < end) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            size_t n = (size_t)(nl - p);
            fputs(*first_row ? "\n  " : ",\n  ", out);
            *first_row = false;
            fwrite(p, 1, n, out);
            p = nl + 1;
        }
    }
    return 0;
}

int cmd_match(int argc, char **argv)
{
    static const struct option options[] = {{"index", required_argument, NULL, 'i'},
                                            {"radius", required_argument, NULL, 'r'},
                                            {"threads", required_argument, NULL, 't'},
                                            {"format", required_argument, NULL, 'f'},
                                            {"query-percent", required_argument, NULL, 'q'},
                                            {"compared-percent", required_argument, NULL, 'c'},
                                            {"help", no_argument, NULL, 'h'},
                                            {NULL, 0, NULL, 0}};
    const char *index_path = NULL;
    int radius = VG_PDQ_MATCH_THRESHOLD;
    long threads = sysconf(_SC_NPROCESSORS_ONLN);
    bool json = false;
    vg_vpdq_match_options video_opts;
    vg_vpdq_match_options_init(&video_opts);
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "i:r:t:f:q:c:h", options, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'q':
        case 'c': {
            errno = 0;
            double v = strtod(optarg, &end);
            if (errno || *end || end == optarg || !(v >= 0 && v <= 100)) {
                fprintf(stderr, "vigie match: %s takes a percentage from 0 to 100, not '%s'\n",
                        c == 'q' ? "--query-percent" : "--compared-percent", optarg);
                return VG_EXIT_USAGE;
            }
            *(c == 'q' ? &video_opts.query_percent : &video_opts.compared_percent) = v;
            break;
        }
        case 'i':
            index_path = optarg;
            break;
        case 'r':
            errno = 0;
            radius = (int)strtol(optarg, &end, 10);
            if (errno || *end || end == optarg || radius < 0 || radius > 64) {
                fprintf(stderr, "vigie match: --radius takes a number from 0 to 64, not '%s'\n",
                        optarg);
                return VG_EXIT_USAGE;
            }
            break;
        case 't':
            errno = 0;
            threads = strtol(optarg, &end, 10);
            if (errno || *end || end == optarg || threads < 1 || threads > MAX_THREADS) {
                fprintf(stderr, "vigie match: --threads takes a number from 1 to %d, not '%s'\n",
                        MAX_THREADS, optarg);
                return VG_EXIT_USAGE;
            }
            break;
        case 'f':
            if (!strcmp(optarg, "json"))
                json = true;
            else if (!strcmp(optarg, "csv"))
                json = false;
            else {
                fprintf(stderr, "vigie match: --format is csv or json, not '%s'\n", optarg);
                return VG_EXIT_USAGE;
            }
            break;
        case 'h':
            usage(stdout);
            return VG_EXIT_OK;
        default:
            fprintf(stderr, "vigie match: unknown or incomplete option '%s'\n",
                    argv[optind - 1]);
            usage(stderr);
            return VG_EXIT_USAGE;
        }
    }
    if (threads < 1)
        threads = 1;
    if (threads > MAX_THREADS)
        threads = MAX_THREADS;
    if (!index_path) {
        fprintf(stderr, "vigie match: --index FILE is required\n");
        usage(stderr);
        return VG_EXIT_USAGE;
    }
    bool videos = optind < argc && strcmp(argv[optind], "-") && vg_vpdq_is_file(argv[optind]);
    for (int i = optind + 1; videos && i < argc; i++) {
        if (!vg_vpdq_is_file(argv[i])) {
            fprintf(stderr, "vigie match: %s is not a vPDQ hash file like %s\n", argv[i],
                    argv[optind]);
            return VG_EXIT_USAGE;
        }
    }
    if (videos) {
        vg_error err;
        vg_index *index = NULL;
        if (vg_index_open(index_path, &index, &err) != VG_OK) {
            fprintf(stderr, "vigie match: %s\n", err.message);
            return VG_EXIT_USAGE;
        }
        video_opts.distance = radius;
        int status = match_videos(index, argv + optind, argc - optind, &video_opts, json);
        vg_index_close(index);
        return status;
    }
    if (argc - optind > 1) {
        fprintf(stderr, "vigie match: one query file at most ('-' for standard input), or "
                        "vPDQ hash files\n");
        return VG_EXIT_USAGE;
    }
    const char *input = optind < argc ? argv[optind] : "-";
    FILE *in = strcmp(input, "-") ? fopen(input, "rb") : stdin;
    if (!in) {
        fprintf(stderr, "vigie match: %s: cannot open: %s\n", input, strerror(errno));
        return VG_EXIT_USAGE;
    }
    vg_error err;
    vg_index *index = NULL;
    if (vg_index_open(index_path, &index, &err) != VG_OK) {
        fprintf(stderr, "vigie match: %s\n", err.message);
        if (in != stdin)
            fclose(in);
        return VG_EXIT_USAGE;
    }
    const char *name = in == stdin ? "<stdin>" : input;
    job j = {.index = index, .radius = radius, .json = json};
    query *queries = malloc(CHUNK_QUERIES * sizeof *queries);
    j.owner = malloc(CHUNK_QUERIES * sizeof *j.owner);
    j.offset = malloc(CHUNK_QUERIES * sizeof *j.offset);
    j.length = malloc(CHUNK_QUERIES * sizeof *j.length);
    j.buffers = calloc((size_t)threads, sizeof *j.buffers);
    char *line = malloc(LINE_MAX_BYTES + 2);
    int status = VG_EXIT_OK;
    if (!queries || !j.owner || !j.offset || !j.length || !j.buffers || !line) {
        fprintf(stderr, "vigie match: out of memory\n");
        status = VG_EXIT_USAGE;
        goto done;
    }
    j.queries = queries;
    bool first_row = true;
    fputs(json ? "[" : "query,match,distance,signal_type,score\n", stdout);
    uint64_t lineno = 0;
    size_t n = 0;
    bool eof = false;
    while (!eof) {
        /* Read one line, bounded: an over-long line is drained and reported. */
        size_t len = 0;
        bool too_long = false;
        int ch;
        while ((ch = getc_unlocked(in)) != EOF && ch != '\n') {
            if (len < LINE_MAX_BYTES)
                line[len++] = (char)ch;
            else
                too_long = true;
        }
        if (ch == EOF) {
            eof = true;
            if (ferror(in)) {
                fprintf(stderr, "vigie match: %s: read error: %s\n", name, strerror(errno));
                status = VG_EXIT_PARTIAL;
            }
            if (len == 0 && !too_long)
                goto flush;
        }
        {
            uint64_t this_line = lineno++;
            char *s = line;
            while (len && (s[len - 1] == '\r' || s[len - 1] == ' ' || s[len - 1] == '\t'))
                len--;
            while (len && (*s == ' ' || *s == '\t')) {
                s++;
                len--;
            }
            if (len == 0 && !too_long)
                continue;
            const char *why = NULL;
            query *q = &queries[n];
            if (too_long)
                why = "line too long";
            else if (parse_hex_line(s, len, q, &why) == 0) {
                q->line = this_line;
                n++;
            }
            if (why) {
                fprintf(stderr, "vigie match: %s: line %llu (query %llu): %s\n", name,
                        (unsigned long long)this_line + 1, (unsigned long long)this_line, why);
                status = VG_EXIT_PARTIAL;
            }
            if (n < CHUNK_QUERIES)
                continue;
        }
    flush:
        if (n) {
            j.count = n;
            if (flush_chunk(&j, (int)threads, &first_row, stdout) != 0) {
                status = VG_EXIT_USAGE;
                goto done;
            }
            n = 0;
        }
    }
    fputs(json ? (first_row ? "]\n" : "\n]\n") : "", stdout);
    if (j.suppressed)
        fprintf(stderr, "vigie match: %llu matches left out: a negative bank entry outweighs "
                        "them\n",
                (unsigned long long)j.suppressed);
    if (fflush(stdout) != 0) {
        fprintf(stderr, "vigie match: cannot write the results: %s\n", strerror(errno));
        status = VG_EXIT_USAGE;
    }
done:
    for (long i = 0; j.buffers && i < threads; i++)
        free(j.buffers[i].data);
    free(j.buffers);
    free(j.owner);
    free(j.offset);
    free(j.length);
    free(queries);
    free(line);
    if (in != stdin)
        fclose(in);
    vg_index_close(index);
    return status;
}
