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
    if (st != VG_OK)
        return st;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (!f) {
        if (fd >= 0)
            close(fd);
        return vg_error_set(err, VG_ERR_IO, "%s: %s", path, strerror(errno));
    }
    http_response r;
    st = http_get_file(client, url, f, &r, err);
    if (st == VG_OK && (r.status == 404 || r.status == 410))
        *missing = true;
    else if (st == VG_OK && r.status != 200)
        st = http_status_error(client, url, &r, err);
    http_response_free(&r);
    bool kept = st == VG_OK && !*missing;
    if (fclose(f) != 0 && kept) {
        st = vg_error_set(err, VG_ERR_IO, "%s: cannot write", path);
        kept = false;
    }
    if (!kept)
        unlink(path);
    return st;
}
