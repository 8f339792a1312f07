/* Terminal progress line: see progress.h. */
#include "progress.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define REDRAW_NS 250000000L

struct vg_progress {
    vg_progress_options options;
    _Atomic uint64_t total_files, total_bytes, done_files, done_bytes;
    atomic_bool total_known;
    bool stopping;
    bool drawn; /* the line is on screen */
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t thread;
    double start, rate; /* seconds; bytes per second, smoothed */
    double last_time;
    uint64_t last_bytes;
};

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* "12.3 MiB" style, binary units as du -h and ls -h use. */
static void format_bytes(char *out, size_t size, double bytes)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    int u = 0;
    while (bytes >= 1024 && u < 5)
        bytes /= 1024, u++;
    snprintf(out, size, u ? "%.1f %s" : "%.0f %s", bytes, units[u]);
}

static void format_duration(char *out, size_t size, double seconds)
{
    if (seconds > 99 * 3600.0) {
        snprintf(out, size, "> 99 h");
        return;
    }
    unsigned s = (unsigned)(seconds + 0.5);
    if (s >= 3600)
        snprintf(out, size, "%u:%02u:%02u", s / 3600, s / 60 % 60, s % 60);
    else
        snprintf(out, size, "%u:%02u", s / 60, s % 60);
}

static void draw(vg_progress *p)
{
    double t = now_seconds();
    uint64_t files = atomic_load(&p->done_files);
    uint64_t bytes = atomic_load(&p->done_bytes);
    if (p->options.inflight)
        bytes += p->options.inflight(p->options.inflight_user);
    bool known = atomic_load(&p->total_known);
    uint64_t total_files = atomic_load(&p->total_files);
    uint64_t total_bytes = atomic_load(&p->total_bytes);
    if (known && bytes > total_bytes)
        bytes = total_bytes;

    /* Smooth the rate over the last few seconds, so it follows changes
     * (small files, then a big one) without jumping at every redraw. */
    double dt = t - p->last_time;
    if (dt > 0 && bytes >= p->last_bytes) {
        double instant = (double)(bytes - p->last_bytes) / dt;
        double weight = dt / 3.0 > 1 ? 1 : dt / 3.0;
        p->rate = t - p->start < 3.0 ? (double)bytes / (t - p->start)
                                     : p->rate + weight * (instant - p->rate);
    }
    p->last_time = t;
    p->last_bytes = bytes;

    char done[32], total[32], rate[32], eta[32], line[256];
    format_bytes(done, sizeof done, (double)bytes);
    format_bytes(rate, sizeof rate, p->rate);
    int n;
    if (known) {
        format_bytes(total, sizeof total, (double)total_bytes);
        double fraction = total_bytes ? (double)bytes / (double)total_bytes
                          : total_files ? (double)files / (double)total_files : 1;
        char bar[21];
        int filled = (int)(fraction * 20);
        for (int i = 0; i < 20; i++)
            bar[i] = i < filled ? '#' : '.';
        bar[20] = '\0';
        if (p->rate > 0 && total_bytes > bytes)
            format_duration(eta, sizeof eta, (double)(total_bytes - bytes) / p->rate);
        else
            snprintf(eta, sizeof eta, "-");
        n = snprintf(line, sizeof line, "%s [%s] %3d%%  %llu/%llu files  %s/%s  %s/s  %s left",
                     p->options.label, bar, (int)(fraction * 100), (unsigned long long)files,
                     (unsigned long long)total_files, done, total, rate, eta);
    } else {
        n = snprintf(line, sizeof line, "%s  %llu files  %s  %s/s", p->options.label,
                     (unsigned long long)files, done, rate);
    }
    /* A line that wraps cannot be erased with \r: cut it to the width. */
    struct winsize ws;
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1 && n >= ws.ws_col)
        line[ws.ws_col - 1] = '\0';
    fprintf(stderr, "\r%s\033[K", line);
    fflush(stderr);
    p->drawn = true;
}

static void erase(vg_progress *p)
{
    if (p->drawn) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
        p->drawn = false;
    }
}

void vg_progress_begin_output(vg_progress *p)
{
    if (p) {
        pthread_mutex_lock(&p->lock);
        erase(p);
    }
}

void vg_progress_end_output(vg_progress *p)
{
    if (p)
        pthread_mutex_unlock(&p->lock);
}

static void *progress_main(void *raw)
{
    vg_progress *p = raw;
    pthread_mutex_lock(&p->lock);
    while (!p->stopping) {
        struct timespec deadline;
        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_nsec += REDRAW_NS;
        if (deadline.tv_nsec >= 1000000000L)
            deadline.tv_sec++, deadline.tv_nsec -= 1000000000L;
        pthread_cond_timedwait(&p->wake, &p->lock, &deadline);
        if (!p->stopping)
            draw(p);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

vg_progress *vg_progress_new(const vg_progress_options *options)
{
    if (!options->enabled || !isatty(STDERR_FILENO))
        return NULL;
    vg_progress *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->options = *options;
    if (!p->options.label)
        p->options.label = "";
    p->start = p->last_time = now_seconds();
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->wake, NULL);
    if (pthread_create(&p->thread, NULL, progress_main, p) != 0) {
        pthread_mutex_destroy(&p->lock);
        pthread_cond_destroy(&p->wake);
        free(p);
        return NULL;
    }
    return p;
}

void vg_progress_add_total(vg_progress *p, uint64_t files, uint64_t bytes)
{
    if (p) {
        atomic_fetch_add(&p->total_files, files);
        atomic_fetch_add(&p->total_bytes, bytes);
    }
}

void vg_progress_total_known(vg_progress *p)
{
    if (p)
        atomic_store(&p->total_known, true);
}

void vg_progress_add_done(vg_progress *p, uint64_t files, uint64_t bytes)
{
    if (p) {
        atomic_fetch_add(&p->done_files, files);
        atomic_fetch_add(&p->done_bytes, bytes);
    }
}

void vg_progress_free(vg_progress *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    p->stopping = true;
    pthread_cond_signal(&p->wake);
    pthread_mutex_unlock(&p->lock);
    pthread_join(p->thread, NULL);
    erase(p);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->wake);
    free(p);
}
