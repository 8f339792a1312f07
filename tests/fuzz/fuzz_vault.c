/* libFuzzer target: the evidence vault's reader on arbitrary files. The
 * input is an id (32 hex digits) followed by the file's bytes; the vault
 * uses a fixed master key, the one the seeds were written with, so that
 * mutations of real files reach the chunk loop. Whatever the bytes, reading
 * must fail cleanly (or, for an intact file, return its plaintext) and
 * never allocate more than the file's size allows. */
#include <fcntl.h>
#include <ftw.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vigie/vault.h"

#define FUZZ_KEY "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"

static vg_vault *vault;
static char dir[64];

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static void cleanup(void)
{
    vg_vault_close(vault);
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void setup(void)
{
    /* A name of fixed length (not the process id's digits), so that runs do
     * the same work whatever the process number: the smoke runs are
     * deterministic. */
    snprintf(dir, sizeof dir, "/tmp/vg-fuzz-vault-XXXXXX");
    if (!mkdtemp(dir))
        abort();
    char key[128];
    snprintf(key, sizeof key, "%s/key", dir);
    int fd = open(key, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || write(fd, FUZZ_KEY, strlen(FUZZ_KEY)) != (ssize_t)strlen(FUZZ_KEY))
        abort();
    close(fd);
    char store[128];
    snprintf(store, sizeof store, "%s/v", dir);
    vg_vault_options opts = {.dir = store, .key_file = key, .max_file_bytes = 1 << 20};
    if (vg_vault_open(&opts, &vault, NULL) != VG_OK)
        abort();
    atexit(cleanup);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!vault)
        setup();
    if (size < 32)
        return 0;
    char id[33];
    memcpy(id, data, 32);
    id[32] = 0;
    if (!vg_vault_id_valid(id))
        return 0;
    char shard[160], path[220];
    snprintf(shard, sizeof shard, "%s/v/%c%c", dir, id[0], id[1]);
    mkdir(shard, 0700);
    snprintf(path, sizeof path, "%s/%s", shard, id);
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    fwrite(data + 32, 1, size - 32, f);
    fclose(f);
    uint8_t *plain = NULL;
    size_t len = 0;
    vg_status st = vg_vault_read(vault, id, 0, &plain, &len, NULL);
    if (st == VG_OK) {
        if (len > size)
            abort();
        vg_vault_plain_free(plain, len);
    } else if (plain || (st != VG_ERR_CORRUPT && st != VG_ERR_TOO_LARGE)) {
        abort();
    }
    unlink(path);
    return 0;
}
