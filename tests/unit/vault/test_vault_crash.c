/* Crash safety of the vault, through a recording and failing file layer
 * (src/lib/vault/vault_fs.h, as SQLite's test VFS):
 *   - the order of the steps that decide what survives a power cut: an
 *     evidence file (and the master key) is written only under a temporary
 *     name, synced, then renamed (linked) into place, then its directory is
 *     synced; nothing is ever opened for writing under a final name;
 *   - each of write, fsync, close, rename and the directory's fsync made to
 *     fail in turn: the error is reported with its cause, no file is left
 *     under the final name (nor a temporary one once the writer is freed),
 *     and the vault goes on working.
 * What this does not test (a real power cut, the disk honouring fsync) is
 * in docs/crash-safety.md. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "vault/vault_fs.h"

typedef enum op { OP_OPEN, OP_WRITE, OP_FSYNC, OP_CLOSE, OP_RENAME, OP_LINK, OP_UNLINK } op;

typedef struct event {
    op kind;
    int flags;             /* open */
    char path[320];        /* the path, or the file behind the descriptor */
    char to[320];          /* rename and link */
} event;

#define MAX_EVENTS 4096
#define MAX_FDS 1024

/* The recording layer: every call is logged with the path it concerns;
 * the call that matches the failure rule fails with fail_errno instead. */
typedef struct recorder {
    event events[MAX_EVENTS];
    size_t count;
    char fd_path[MAX_FDS][320];
    /* Failure rule: the fail_nth call (1-based) of fail_kind whose path
     * ends with fail_suffix (NULL: any path); 0 = never fail. */
    op fail_kind;
    int fail_nth, fail_errno, seen;
    const char *fail_suffix;
    bool fail_dirs_only; /* fsync: only of directories */
} recorder;

static recorder rec;
static char root[128];

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && !strcmp(s + n - m, suffix);
}

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Log the call; true when it must fail. */
static bool record(op kind, const char *path, const char *to, int flags)
{
    if (rec.count < MAX_EVENTS) {
        event *e = &rec.events[rec.count++];
        e->kind = kind;
        e->flags = flags;
        snprintf(e->path, sizeof e->path, "%s", path ? path : "");
        snprintf(e->to, sizeof e->to, "%s", to ? to : "");
    }
    if (!rec.fail_nth || kind != rec.fail_kind)
        return false;
    if (rec.fail_suffix && !(path && ends_with(path, rec.fail_suffix)))
        return false;
    if (rec.fail_dirs_only && !(path && is_dir(path)))
        return false;
    if (++rec.seen != rec.fail_nth)
        return false;
    errno = rec.fail_errno;
    return true;
}

static const char *path_of_fd(int fd)
{
    return fd >= 0 && fd < MAX_FDS ? rec.fd_path[fd] : "?";
}

static int t_open(void *user, const char *path, int flags, mode_t mode)
{
    (void)user;
    if (record(OP_OPEN, path, NULL, flags))
        return -1;
    int fd = open(path, flags, mode);
    if (fd >= 0 && fd < MAX_FDS)
        snprintf(rec.fd_path[fd], sizeof rec.fd_path[fd], "%s", path);
    return fd;
}

static ssize_t t_write(void *user, int fd, const void *data, size_t len)
{
    (void)user;
    if (record(OP_WRITE, path_of_fd(fd), NULL, 0))
        return -1;
    return write(fd, data, len);
}

static int t_fsync(void *user, int fd)
{
    (void)user;
    if (record(OP_FSYNC, path_of_fd(fd), NULL, 0))
        return -1;
    return fsync(fd);
}

static int t_close(void *user, int fd)
{
    (void)user;
    bool fail = record(OP_CLOSE, path_of_fd(fd), NULL, 0);
    close(fd); /* a failed close still releases the descriptor */
    return fail ? -1 : 0;
}

static int t_rename(void *user, const char *from, const char *to)
{
    (void)user;
    if (record(OP_RENAME, from, to, 0))
        return -1;
    return rename(from, to);
}

static int t_link(void *user, const char *from, const char *to)
{
    (void)user;
    if (record(OP_LINK, from, to, 0))
        return -1;
    return link(from, to);
}

static int t_unlink(void *user, const char *path)
{
    (void)user;
    if (record(OP_UNLINK, path, NULL, 0))
        return -1;
    return unlink(path);
}

static const vg_vault_fs recording_fs = {t_open, t_write,  t_fsync, t_close,
                                         t_rename, t_link, t_unlink, NULL};

static void reset(op kind, int nth, int error, const char *suffix, bool dirs_only)
{
    memset(&rec, 0, sizeof rec);
    rec.fail_kind = kind;
    rec.fail_nth = nth;
    rec.fail_errno = error;
    rec.fail_suffix = suffix;
    rec.fail_dirs_only = dirs_only;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static vg_status open_vault(const char *name, vg_vault **vault, vg_error *err)
{
    char dir[200], key[200];
    snprintf(dir, sizeof dir, "%s/%s", root, name);
    snprintf(key, sizeof key, "%s/%s.key", root, name);
    vg_vault_options opts = {.dir = dir, .key_file = key};
    return vg_vault_open_fs(&opts, &recording_fs, vault, err);
}

/* Names of the regular files under dir (recursively), one per line. */
static void list_files(const char *dir, char *out, size_t size)
{
    out[0] = '\0';
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (is_dir(path)) {
            size_t n = strlen(out);
            list_files(path, out + n, size - n);
        } else {
            size_t n = strlen(out);
            snprintf(out + n, size - n, "%s\n", e->d_name);
        }
    }
    if (d)
        closedir(d);
}

/* The first event at or after `from` of this kind on this path, or -1. */
static long find(size_t from, op kind, const char *path)
{
    for (size_t i = from; i < rec.count; i++)
        if (rec.events[i].kind == kind && !strcmp(rec.events[i].path, path))
            return (long)i;
    return -1;
}

static bool opened_for_writing(const char *path)
{
    for (size_t i = 0; i < rec.count; i++)
        if (rec.events[i].kind == OP_OPEN && !strcmp(rec.events[i].path, path) &&
            (rec.events[i].flags & (O_WRONLY | O_RDWR | O_CREAT)))
            return true;
    return false;
}

/* Write-sync-rename-sync: the durable steps of one file in order. */
static void check_order(const char *what, const char *final_path, op into_place)
{
    CHECK_MSG(!opened_for_writing(final_path), "%s: opened for writing under its final name",
              what);
    for (size_t i = 0; i < rec.count; i++)
        CHECK_MSG(!(rec.events[i].kind == OP_WRITE && !strcmp(rec.events[i].path, final_path)),
                  "%s: written under its final name", what);
    long placed = -1;
    for (size_t i = 0; i < rec.count; i++)
        if (rec.events[i].kind == into_place && !strcmp(rec.events[i].to, final_path))
            placed = (long)i;
    CHECK_MSG(placed >= 0, "%s: never renamed or linked into place", what);
    if (placed < 0)
        return;
    const char *temp = rec.events[placed].path;
    CHECK_MSG(strcmp(temp, final_path) != 0, "%s: no temporary name", what);
    long synced = -1, last_write = -1;
    for (long i = 0; i < placed; i++) {
        if (rec.events[i].kind == OP_FSYNC && !strcmp(rec.events[i].path, temp))
            synced = i;
        if (rec.events[i].kind == OP_WRITE && !strcmp(rec.events[i].path, temp))
            last_write = i;
    }
    CHECK_MSG(last_write >= 0 && synced > last_write,
              "%s: put in place without an fsync after its last write", what);
    for (long i = placed + 1; i < (long)rec.count; i++)
        CHECK_MSG(!(rec.events[i].kind == OP_WRITE && !strcmp(rec.events[i].path, temp)),
                  "%s: written after it was put in place", what);
    char dir[320];
    snprintf(dir, sizeof dir, "%s", final_path);
    *strrchr(dir, '/') = '\0';
    CHECK_MSG(find((size_t)placed + 1, OP_FSYNC, dir) >= 0,
              "%s: its directory is not synced after it was put in place", what);
}

static void test_nothing_unfinished_under_a_final_name(void)
{
    reset(OP_OPEN, 0, 0, NULL, false);
    vg_vault *vault = NULL;
    vg_error err;
    vg_status st = open_vault("order", &vault, &err);
    CHECK_MSG(st == VG_OK, "%s", err.message);
    if (!vault)
        return;
    char key[200];
    snprintf(key, sizeof key, "%s/order.key", root);
    check_order("the master key", key, OP_LINK);

    reset(OP_OPEN, 0, 0, NULL, false);
    static uint8_t data[200000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 7 + i / 251);
    vg_vault_writer *w = NULL;
    vg_vault_item item;
    st = vg_vault_writer_new(vault, &w, &err);
    for (size_t off = 0; st == VG_OK && off < sizeof data; off += 30000)
        st = vg_vault_write(w, data + off, sizeof data - off < 30000 ? sizeof data - off : 30000,
                            &err);
    if (st == VG_OK)
        st = vg_vault_commit(w, &item, &err);
    CHECK_MSG(st == VG_OK, "%s", err.message);
    vg_vault_writer_free(w);
    if (st != VG_OK) {
        vg_vault_close(vault);
        return;
    }
    char final_path[320];
    snprintf(final_path, sizeof final_path, "%s/order/%c%c/%s", root, item.id[0], item.id[1],
             item.id);
    check_order("an evidence file", final_path, OP_RENAME);
    size_t writes = 0;
    for (size_t i = 0; i < rec.count; i++)
        writes += rec.events[i].kind == OP_WRITE;
    CHECK(writes >= 5); /* header, three full chunks, the final one */
    uint8_t *back = NULL;
    size_t len = 0;
    CHECK(vg_vault_read(vault, item.id, 0, &back, &len, &err) == VG_OK);
    CHECK(len == sizeof data && back && !memcmp(back, data, len));
    vg_vault_plain_free(back, len);
    vg_vault_close(vault);
}

/* Store a file with the failure rule armed; the step must fail with the
 * injected cause, leave no file behind, and the vault must work after. */
static void expect_failure(const char *what, op kind, int nth, const char *suffix,
                           bool dirs_only, int error)
{
    reset(OP_OPEN, 0, 0, NULL, false);
    vg_vault *vault = NULL;
    vg_error err;
    if (open_vault("fail", &vault, &err) != VG_OK) {
        CHECK_MSG(0, "%s: %s", what, err.message);
        return;
    }
    char dir[200];
    snprintf(dir, sizeof dir, "%s/fail", root);
    reset(kind, nth, error, suffix, dirs_only);
    static uint8_t data[150000];
    memset(data, 0x5A, sizeof data);
    vg_vault_writer *w = NULL;
    vg_vault_item item;
    vg_status st = vg_vault_writer_new(vault, &w, &err);
    for (size_t off = 0; st == VG_OK && off < sizeof data; off += 50000)
        st = vg_vault_write(w, data + off, 50000, &err);
    if (st == VG_OK)
        st = vg_vault_commit(w, &item, &err);
    CHECK_MSG(rec.seen >= nth, "%s: the failure was never injected", what);
    CHECK_MSG(st == VG_ERR_IO, "%s: %s (%s)", what, vg_status_name(st), err.message);
    CHECK_MSG(strstr(err.message, strerror(error)) != NULL, "%s: the cause is not said: %s",
              what, err.message);
    char files[2048];
    list_files(dir, files, sizeof files);
    for (char *line = strtok(files, "\n"); line; line = strtok(NULL, "\n"))
        CHECK_MSG(ends_with(line, ".tmp"), "%s: a file under a final name: %s", what, line);
    vg_vault_writer_free(w);
    list_files(dir, files, sizeof files);
    CHECK_MSG(files[0] == '\0', "%s: files left behind: %s", what, files);
    /* The failure was one operation's: the vault works on. */
    reset(OP_OPEN, 0, 0, NULL, false);
    w = NULL;
    st = vg_vault_writer_new(vault, &w, &err);
    if (st == VG_OK)
        st = vg_vault_write(w, data, 1000, &err);
    if (st == VG_OK)
        st = vg_vault_commit(w, &item, &err);
    CHECK_MSG(st == VG_OK, "%s: the next file: %s", what, err.message);
    vg_vault_writer_free(w);
    if (st == VG_OK)
        CHECK(vg_vault_remove(vault, item.id, &err) == VG_OK);
    vg_vault_close(vault);
}

static void test_each_failure_leaves_no_file(void)
{
    expect_failure("header write", OP_WRITE, 1, ".tmp", false, ENOSPC);
    expect_failure("second chunk write", OP_WRITE, 3, ".tmp", false, ENOSPC);
    expect_failure("final chunk write", OP_WRITE, 4, ".tmp", false, EIO);
    expect_failure("fsync of the file", OP_FSYNC, 1, ".tmp", false, EIO);
    expect_failure("close of the file", OP_CLOSE, 1, ".tmp", false, EIO);
    expect_failure("rename into place", OP_RENAME, 1, NULL, false, EIO);
    expect_failure("fsync of the directory", OP_FSYNC, 1, NULL, true, EIO);
    expect_failure("creating the temporary file", OP_OPEN, 1, ".tmp", false, EACCES);
}

static void expect_key_failure(const char *what, op kind, const char *suffix, bool dirs_only,
                               bool key_may_stay)
{
    reset(kind, 1, EIO, suffix, dirs_only);
    char name[32], key[200];
    snprintf(name, sizeof name, "key-%d", (int)kind * 2 + dirs_only);
    snprintf(key, sizeof key, "%s/%s.key", root, name);
    vg_vault *vault = NULL;
    vg_error err;
    vg_status st = open_vault(name, &vault, &err);
    CHECK_MSG(rec.seen >= 1, "%s: the failure was never injected", what);
    CHECK_MSG(st == VG_ERR_IO && strstr(err.message, strerror(EIO)), "%s: %s (%s)", what,
              vg_status_name(st), err.message);
    vg_vault_close(vault);
    struct stat sb;
    bool exists = stat(key, &sb) == 0;
    if (key_may_stay) /* complete (synced before the link), only not yet durable */
        CHECK_MSG(!exists || sb.st_size == 65, "%s: a partial key file", what);
    else
        CHECK_MSG(!exists, "%s: a key file was left under its final name", what);
    char files[2048];
    list_files(root, files, sizeof files);
    CHECK_MSG(!strstr(files, ".key."), "%s: a temporary key file was left: %s", what, files);
    /* The next start makes (or reads) a key and works. */
    reset(OP_OPEN, 0, 0, NULL, false);
    st = open_vault(name, &vault, &err);
    CHECK_MSG(st == VG_OK, "%s: the next start: %s", what, err.message);
    vg_vault_close(vault);
}

static void test_key_creation_failures(void)
{
    expect_key_failure("key write", OP_WRITE, ".tmp", false, false);
    expect_key_failure("key fsync", OP_FSYNC, ".tmp", false, false);
    expect_key_failure("key link", OP_LINK, NULL, false, false);
    expect_key_failure("fsync of the key's directory", OP_FSYNC, NULL, true, true);
}

int main(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(root, sizeof root, "%s/vigie-vault-crash-XXXXXX", tmp ? tmp : "/tmp");
    if (!mkdtemp(root)) {
        perror("mkdtemp");
        return 1;
    }
    RUN(test_nothing_unfinished_under_a_final_name);
    RUN(test_each_failure_leaves_no_file);
    RUN(test_key_creation_failures);
    nftw(root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    return vg_test_exit();
}
