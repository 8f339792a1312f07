/*
 * src/lib/vault/vault_fs.h - the file operations through which the vault
 * makes files durable, replaceable by tests (as SQLite's test VFS is).
 *
 * Every step that decides what survives a crash goes through this table:
 * creating and writing the temporary file, fsync, close, the rename into
 * place, the fsync of the directory, and the removals that take back an
 * unfinished file; the same for the master key file. A test supplies its
 * own table to record the order of the steps (nothing may be written under
 * a final name; the rename comes after the file's fsync and before the
 * directory's) and to make any step fail with an errno of its choice.
 * Reading evidence back uses the plain POSIX calls.
 *
 * Each function behaves like its POSIX namesake: -1 and errno on failure.
 */
#ifndef VIGIE_VAULT_FS_H
#define VIGIE_VAULT_FS_H

#include <sys/types.h>

#include "vigie/vault.h"

typedef struct vg_vault_fs {
    int (*open)(void *user, const char *path, int flags, mode_t mode);
    ssize_t (*write)(void *user, int fd, const void *data, size_t len);
    int (*fsync)(void *user, int fd);
    int (*close)(void *user, int fd);
    int (*rename)(void *user, const char *from, const char *to);
    int (*link)(void *user, const char *from, const char *to);
    int (*unlink)(void *user, const char *path);
    void *user;
} vg_vault_fs;

/* The POSIX calls themselves (what vg_vault_open uses). */
extern const vg_vault_fs vg_vault_posix_fs;

/* vg_vault_open with another file layer; fs must outlive the vault. */
vg_status vg_vault_open_fs(const vg_vault_options *opts, const vg_vault_fs *fs, vg_vault **out,
                           vg_error *err);

#endif
