/*
 * Reading a list: the plumbing from a source (a file, a descriptor, a
 * buffer) to the format's reader. What the formats share is in common.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "exchange_internal.h"
#include "vigie/digest.h"

static vg_status read_source(vg_exchange_format format, xsource *src,
                             const vg_exchange_read_options *opts,
                             const vg_exchange_read_callbacks *cb, vg_exchange_read_stats *stats,
                             vg_exchange_paging *paging, vg_error *err)
{
    vg_exchange_read_options defaults;
    if (!opts) {
        vg_exchange_read_options_init(&defaults);
        opts = &defaults;
    }
    if (!cb || !cb->on_record)
        return vg_error_set(err, VG_ERR_INVALID, "exchange read: no record callback");
    if (paging)
        *paging = (vg_exchange_paging){0};
    exchange_reader r = {.format = format, .name = src->name, .opts = opts, .cb = cb,
                         .paging = paging};
    vg_status st;
    switch (format) {
    case VG_EXCHANGE_TE: st = exchange_read_te(&r, src, err); break;
    case VG_EXCHANGE_VICS:
        src->allow_utf16 = true;
        st = exchange_read_vics(&r, src, err);
        break;
    case VG_EXCHANGE_NCMEC: st = exchange_read_ncmec(&r, src, err); break;
    case VG_EXCHANGE_STOPNCII: st = exchange_read_stopncii(&r, src, err); break;
    default: st = vg_error_set(err, VG_ERR_INVALID, "exchange read: unknown format"); break;
    }
    xsource_free(src);
    if (st == VG_OK && r.stats.bad && !opts->skip_bad)
        st = vg_error_set(err, VG_ERR_CORRUPT,
                          "%s: %llu bad record%s (first at %s %llu: %s); the list is refused "
                          "unless bad records are skipped",
                          src->name, (unsigned long long)r.stats.bad, r.stats.bad == 1 ? "" : "s",
                          format == VG_EXCHANGE_TE ? "line" : "record",
                          (unsigned long long)r.first_bad_at, r.first_bad);
    if (stats)
        *stats = r.stats;
    return st;
}

vg_status vg_exchange_read_fd(vg_exchange_format format, int fd, const char *name,
                              const vg_exchange_read_options *opts,
                              const vg_exchange_read_callbacks *cb, vg_exchange_read_stats *stats,
                              vg_exchange_paging *paging, vg_error *err)
{
    xsource src;
    xsource_init_fd(&src, fd, name);
    return read_source(format, &src, opts, cb, stats, paging, err);
}

vg_status vg_exchange_read_buffer(vg_exchange_format format, const void *data, size_t len,
                                  const char *name, const vg_exchange_read_options *opts,
                                  const vg_exchange_read_callbacks *cb,
                                  vg_exchange_read_stats *stats, vg_exchange_paging *paging,
                                  vg_error *err)
{
    xsource src;
    xsource_init_buffer(&src, data, len, name);
    return read_source(format, &src, opts, cb, stats, paging, err);
}

vg_status vg_exchange_read_file(vg_exchange_format format, const char *path,
                                const vg_exchange_read_options *opts,
                                const vg_exchange_read_callbacks *cb,
                                vg_exchange_read_stats *stats, vg_exchange_paging *paging,
                                vg_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return vg_error_set(err, VG_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    vg_status st = vg_exchange_read_fd(format, fd, path, opts, cb, stats, paging, err);
    close(fd);
    return st;
}
