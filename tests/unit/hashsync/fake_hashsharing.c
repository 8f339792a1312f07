/* The fake hash sharing service (see fake_hashsharing.h). Its answers
 * follow the shapes NCMEC's and StopNCII's documentation give. */
#include "fake_hashsharing.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct fake_service {
    struct MHD_Daemon *daemon;
    char scenario[512];
    char log[512];
    pthread_mutex_t lock;
    int failures_served; /* of the scenario's "fail" line */
    int requests;        /* answered so far */
};

typedef struct text {
    char *data;
    size_t len, cap;
} text;

static void add(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if (t->len + (size_t)n + 1 > t->cap) {
        t->cap = (t->len + (size_t)n + 1) * 2;
        t->data = realloc(t->data, t->cap);
    }
    memcpy(t->data + t->len, s, (size_t)n + 1);
    t->len += (size_t)n;
    free(s);
}

/* ---- the scenario ------------------------------------------------------------ */

#define MAX_ITEMS 16384

typedef struct item {
    char kind[16]; /* entry, deleted, hash */
    char id[128], type[32], member[24], classification[16], status[24];
    long long timestamp;
    char fp_names[4][8];
    char fp_values[4][80];
    int fp_count;
    char value[96];
} item;

typedef struct scenario {
    item items[MAX_ITEMS];
    int count;
    int page_size;
    int fail_status, fail_count, fail_after;
    bool evil_next;
    char served_dir[512]; /* GET /lists/NAME serves its file NAME */
} scenario;

static void load(const char *path, scenario *s)
{
    memset(s, 0, sizeof *s);
    s->page_size = 2;
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char line[1024];
    while (fgets(line, sizeof line, f) && s->count < MAX_ITEMS) {
        item *it = &s->items[s->count];
        memset(it, 0, sizeof *it);
        char rest[1024] = "";
        if (sscanf(line, "page-size %d", &s->page_size) == 1)
            continue;
        if (sscanf(line, "fail %d %d", &s->fail_status, &s->fail_count) == 2)
            continue;
        if (sscanf(line, "fail-after %d", &s->fail_after) == 1)
            continue;
        if (sscanf(line, "served-dir %511s", s->served_dir) == 1)
            continue;
        if (!strncmp(line, "evil-next", 9)) {
            s->evil_next = true;
            continue;
        }
        if (sscanf(line, "entry %127s %31s %lld %23s %15s %[^\n]", it->id, it->type,
                   &it->timestamp, it->member, it->classification, rest) >= 5) {
            strcpy(it->kind, "entry");
            char *save = NULL;
            for (char *tok = strtok_r(rest, " ", &save); tok && it->fp_count < 4;
                 tok = strtok_r(NULL, " ", &save)) {
                char *eq = strchr(tok, '=');
                if (!eq)
                    continue;
                *eq = '\0';
                snprintf(it->fp_names[it->fp_count], 8, "%s", tok);
                snprintf(it->fp_values[it->fp_count], 80, "%s", eq + 1);
                it->fp_count++;
            }
            s->count++;
        } else if (sscanf(line, "deleted %127s %31s %lld %23s", it->id, it->type, &it->timestamp,
                          it->member) == 4) {
            strcpy(it->kind, "deleted");
            s->count++;
        } else if (sscanf(line, "hash %31s %95s %23s %lld", it->type, it->value, it->status,
                          &it->timestamp) == 4) {
            strcpy(it->kind, "hash");
            s->count++;
        }
    }
    fclose(f);
}

static void iso(long long t, char out[32])
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The time as a query value: its colons percent-encoded. */
static void iso_escaped(long long t, char out[64])
{
    char plain[32];
    iso(t, plain);
    size_t n = 0;
    for (const char *p = plain; *p; p++)
        n += (size_t)(*p == ':' ? sprintf(out + n, "%%3A") : sprintf(out + n, "%c", *p));
}

static bool parse_iso(const char *s, long long *out)
{
    struct tm tm = {0};
    int y, mo, d, h, mi, sec;
    if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &sec) != 6)
        return false;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    *out = (long long)timegm(&tm);
    return true;
}

/* ---- answers ---------------------------------------------------------------- */

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type,
                             const char *body)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "Content-Type", type);
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static const char xml_head[] = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";

static void ncmec_entry(text *t, const item *it)
{
    bool video = !strcmp(it->type, "video");
    char when[32];
    iso(it->timestamp, when);
    if (!strcmp(it->kind, "deleted")) {
        add(t, "    <deleted%s>\n      <member id=\"%s\">Member %s</member>\n      <id>%s</id>\n"
               "      <timestamp>%s</timestamp>\n    </deleted%s>\n",
            video ? "Video" : "Image", it->member, it->member, it->id, when,
            video ? "Video" : "Image");
        return;
    }
    add(t, "    <%s>\n      <member id=\"%s\">Member %s</member>\n      <timestamp>%s</timestamp>\n"
           "      <id>%s</id>\n      <classification>%s</classification>\n      <fingerprints>\n",
        video ? "video" : "image", it->member, it->member, when, it->id, it->classification);
    for (int i = 0; i < it->fp_count; i++)
        add(t, "        <%s>%s</%s>\n", it->fp_names[i], it->fp_values[i], it->fp_names[i]);
    add(t, "      </fingerprints>\n    </%s>\n", video ? "video" : "image");
}

static enum MHD_Result ncmec_entries(struct MHD_Connection *c, const scenario *s)
{
    const char *from_s = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "from");
    const char *to_s = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "to");
    const char *start_s = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "start");
    long long from, to;
    if (!parse_iso(from_s, &from) || !parse_iso(to_s, &to))
        return reply(c, 400, "text/plain", "from and to are required");
    /* Entries of the range, in file order (NCMEC's are not in time order). */
    const item *selected[MAX_ITEMS];
    int n = 0;
    for (int i = 0; i < s->count; i++) {
        const item *it = &s->items[i];
        if (strcmp(it->kind, "hash") && it->timestamp >= from && it->timestamp < to)
            selected[n++] = it;
    }
    int start = start_s ? atoi(start_s) : 1;
    if (start < 1)
        start = 1;
    int end = start - 1 + s->page_size < n ? start - 1 + s->page_size : n;
    text t = {0};
    add(&t, "%s<queryResult xmlns=\"https://hashsharing.ncmec.org/hashsharing/v2\">\n", xml_head);
    for (int section = 0; section < 2; section++) {
        const char *type = section ? "video" : "image";
        int count = 0;
        long long latest = 0;
        for (int i = start - 1; i < end; i++)
            if (!strcmp(selected[i]->type, type)) {
                count++;
                if (selected[i]->timestamp > latest)
                    latest = selected[i]->timestamp;
            }
        if (!count) {
            add(&t, "  <%ss count=\"0\"/>\n", type);
            continue;
        }
        char when[32];
        iso(latest, when);
        add(&t, "  <%ss count=\"%d\" maxTimestamp=\"%s\">\n", type, count, when);
        for (int i = start - 1; i < end; i++)
            if (!strcmp(selected[i]->type, type))
                ncmec_entry(&t, selected[i]);
        add(&t, "  </%ss>\n", type);
    }
    if (end < n) {
        char a[64], b[64];
        iso_escaped(from, a);
        iso_escaped(to, b);
        /* The documented form: the range again, where the next page starts,
         * its size and the last index, with & written &amp;. */
        add(&t, "  <paging>\n    <next>%s/v2/entries?from=%s&amp;to=%s&amp;start=%d&amp;size=%d"
                "&amp;max=%d</next>\n  </paging>\n",
            s->evil_next ? "http://evil.invalid" : "", a, b, end + 1, s->page_size, n);
    }
    add(&t, "</queryResult>\n");
    enum MHD_Result ret = reply(c, 200, "application/xml", t.data);
    free(t.data);
    return ret;
}

static enum MHD_Result stopncii_fetch(struct MHD_Connection *c, const scenario *s)
{
    const char *start_s = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "startTimestamp");
    const char *size_s = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "pageSize");
    const char *token = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "nextPageToken");
    if (!start_s || !size_s)
        return reply(c, 400, "application/json", "{\"error\":\"startTimestamp and pageSize\"}");
    long long since = atoll(start_s);
    int page = s->page_size, offset = 0;
    if (token && sscanf(token, "tok+%d/=", &offset) != 1)
        return reply(c, 400, "application/json", "{\"error\":\"bad nextPageToken\"}");
    const item *selected[MAX_ITEMS];
    int n = 0;
    long long latest = since;
    for (int i = 0; i < s->count; i++)
        if (!strcmp(s->items[i].kind, "hash") && s->items[i].timestamp >= since) {
            selected[n++] = &s->items[i];
            if (s->items[i].timestamp > latest)
                latest = s->items[i].timestamp;
        }
    int end = offset + page < n ? offset + page : n;
    text t = {0};
    add(&t, "{\"count\": %d, \"nextSetTimestamp\": %lld, ", end - offset, latest);
    if (end < n)
        add(&t, "\"nextPageToken\": \"tok+%d/=\", \"hasMoreRecords\": true, ", end);
    else
        add(&t, "\"nextPageToken\": null, \"hasMoreRecords\": false, ");
    add(&t, "\"hashRecords\": [");
    for (int i = offset; i < end; i++)
        add(&t, "%s\n {\"lastModtimestamp\": %lld, \"hashValue\": \"%s\", \"hashStatus\": \"%s\", "
                "\"caseNumbers\": {\"case-%d\": \"%s\"}, \"signalType\": \"%s\", "
                "\"CSPFeedbacks\": [{\"source\": \"Platform\", \"feedbackValue\": \"Blocked\", "
                "\"tags\": [\"a\"]}]}",
            i > offset ? "," : "", selected[i]->timestamp, selected[i]->value,
            selected[i]->status, i, selected[i]->status, selected[i]->type);
    add(&t, "]}\n");
    enum MHD_Result ret = reply(c, 200, "application/json", t.data);
    free(t.data);
    return ret;
}

/* ---- the server ------------------------------------------------------------------ */

typedef struct upload {
    text body;
} upload;

/* A publisher's files (signed lists): no credentials, 404 when absent;
 * sent from the file as they are read (benchmarks serve lists of GBs). */
static enum MHD_Result served_file(struct MHD_Connection *c, const scenario *s,
                                   const char *name)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/%s", s->served_dir, name);
    int fd = strchr(name, '/') || strstr(name, "..") ? -1 : open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    if (fd >= 0 && fstat(fd, &sb) != 0) {
        close(fd);
        fd = -1;
    }
    if (fd < 0)
        return reply(c, 404, "text/plain", "not found");
    /* the response owns fd from here */
    struct MHD_Response *r = MHD_create_response_from_fd((uint64_t)sb.st_size, fd);
    if (!r) {
        close(fd);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", "text/csv");
    enum MHD_Result ret = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *data, size_t *size, void **state)
{
    (void)version;
    fake_service *f = cls;
    if (!*state) {
        *state = calloc(1, sizeof(upload));
        return MHD_YES;
    }
    upload *u = *state;
    if (*size) {
        add(&u->body, "%.*s", (int)*size, data);
        *size = 0;
        return MHD_YES;
    }
    scenario *s = malloc(sizeof *s);
    pthread_mutex_lock(&f->lock);
    load(f->scenario, s);
    /* The log: method, path and query as received. */
    FILE *log = fopen(f->log, "a");
    if (log) {
        fprintf(log, "%s %s", method, url);
        const char *q[] = {"from", "to", "start", "startTimestamp", "pageSize", "nextPageToken"};
        for (size_t i = 0; i < 6; i++) {
            const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, q[i]);
            if (v)
                fprintf(log, " %s=%s", q[i], v);
        }
        fputc('\n', log);
        if (u->body.len)
            fprintf(log, "%s\n", u->body.data);
        fclose(log);
    }
    bool fail = f->requests++ >= s->fail_after && s->fail_count > f->failures_served;
    if (fail)
        f->failures_served++;
    pthread_mutex_unlock(&f->lock);
    enum MHD_Result ret;
    if (fail) {
        char body[64];
        snprintf(body, sizeof body, "failure %d", s->fail_status);
        ret = reply(c, (unsigned)s->fail_status, "text/plain", body);
        goto done;
    }
    if (!strncmp(url, "/lists/", 7) && s->served_dir[0]) {
        ret = served_file(c, s, url + 7);
        goto done;
    }
    if (!strcmp(url, "/FetchHashes")) {
        const char *sub = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                      "Ocp-Apim-Subscription-Key");
        const char *fn = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "x-functions-key");
        if (!sub || !fn || strcmp(sub, "sub") || strcmp(fn, "fn"))
            ret = reply(c, 401, "application/json", "{\"error\":\"unauthorized\"}");
        else
            ret = stopncii_fetch(c, s);
        goto done;
    }
    char *pass = NULL;
    char *user = MHD_basic_auth_get_username_password(c, &pass);
    bool authorised = user && pass && !strcmp(user, "user") && !strcmp(pass, "secret");
    MHD_free(user);
    MHD_free(pass);
    if (!authorised) {
        ret = reply(c, 401, "text/plain", "unauthorized");
    } else if (!strcmp(method, "GET") && !strcmp(url, "/v2/status")) {
        char body[512];
        snprintf(body, sizeof body,
                 "%s<status xmlns=\"https://hashsharing.ncmec.org/hashsharing/v2\">\n"
                 "    <ipAddress>127.0.0.1</ipAddress>\n    <username>user</username>\n"
                 "    <member id=\"1\">Sir Testington</member>\n</status>\n",
                 xml_head);
        ret = reply(c, 200, "application/xml", body);
    } else if (!strcmp(method, "GET") && !strcmp(url, "/v2/entries")) {
        ret = ncmec_entries(c, s);
    } else if (!strcmp(method, "GET") && !strncmp(url, "/v2/feedback/", 13)) {
        char body[512];
        snprintf(body, sizeof body,
                 "%s<availableFeedbackReasons xmlns=\"https://hashsharing.ncmec.org/"
                 "hashsharing/v2\">\n    <reason guid=\"01234567-abcd-0123-4567-012345678900\" "
                 "name=\"Example Reason 1\" type=\"Sha1\"/>\n</availableFeedbackReasons>\n",
                 xml_head);
        ret = reply(c, 200, "application/xml", body);
    } else if (!strcmp(method, "PUT") && !strncmp(url, "/v2/entries/", 12) &&
               strstr(url, "/feedback")) {
        ret = reply(c, 200, "application/xml",
                    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
                    "<submissionResult xmlns=\"https://hashsharing.ncmec.org/hashsharing/v2\"/>\n");
    } else {
        ret = reply(c, 404, "text/plain", "not found");
    }
done:
    free(s);
    return ret;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **state,
                         enum MHD_RequestTerminationCode code)
{
    (void)cls, (void)c, (void)code;
    upload *u = *state;
    if (u) {
        free(u->body.data);
        free(u);
    }
    *state = NULL;
}

fake_service *fake_start(const char *scenario_path, const char *log_path, uint16_t *port)
{
    fake_service *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    snprintf(f->scenario, sizeof f->scenario, "%s", scenario_path);
    snprintf(f->log, sizeof f->log, "%s", log_path);
    pthread_mutex_init(&f->lock, NULL);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = 0};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    f->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL,
                                 NULL, on_request, f, MHD_OPTION_SOCK_ADDR, &addr,
                                 MHD_OPTION_NOTIFY_COMPLETED, on_completed, f, MHD_OPTION_END);
    if (!f->daemon) {
        free(f);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(f->daemon, MHD_DAEMON_INFO_BIND_PORT);
    *port = info ? info->port : 0;
    return f;
}

void fake_stop(fake_service *f)
{
    if (!f)
        return;
    MHD_stop_daemon(f->daemon);
    pthread_mutex_destroy(&f->lock);
    free(f);
}
