/*
 * src/lib/hashsync/signed.c - fetching a partner's signed list files
 * (vg_sync_fetch_file): the same client, address policy and bounds as the
 * services, a file out. Verifying them is the caller's (vigie/signedlist.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hashsync_internal.h"

vg_status vg_sync_fetch_file(vg_sync_client *client, const char *suffix, const char *path,
                             bool *missing, vg_error *err)
{
    *missing = false;
    char url[4096];
    if (strpbrk(suffix, "?#/\\ \t\r\n"))
        return vg_error_set(err, VG_ERR_INVALID, "'%s' cannot follow a list's address", suffix);
    vg_status st = http_url(client, suffix, url, sizeof url, err);
    http_response r;
    if (st == VG_OK)
        st = http_request(client, "GET", url, NULL, NULL, 0, &r, err);
    if (st != VG_OK)
        return st;
    if (r.status == 404 || r.status == 410) {
        *missing = true;
        http_response_free(&r);
        return VG_OK;
    }
    if (r.status != 200) {
        st = http_status_error(client, url, &r, err);
        http_response_free(&r);
        return st;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        http_response_free(&r);
        return vg_error_set(err, VG_ERR_IO, "%s: %s", path, strerror(errno));
    }
    size_t done = 0;
    while (done < r.len) {
        ssize_t n = write(fd, r.body + done, r.len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        done += (size_t)n;
    }
    bool whole = done == r.len;
    int closed = close(fd);
    http_response_free(&r);
    if (!whole || closed != 0) {
        unlink(path);
        return vg_error_set(err, VG_ERR_IO, "%s: cannot write", path);
    }
    return VG_OK;
}
