/* Writes a location database with libloc's writer (see locdb.h). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libloc/libloc.h>
#include <libloc/as.h>
#include <libloc/format.h>
#include <libloc/network.h>
#include <libloc/writer.h>

#include "locdb.h"

static int fact(struct loc_writer *w, char *line)
{
    char *save = NULL;
    char *word = strtok_r(line, " \t", &save);
    if (!word || *word == '#')
        return 0;
    if (!strcmp(word, "as")) {
        char *number = strtok_r(NULL, " \t", &save);
        char *name = save;
        struct loc_as *as = NULL;
        if (!number || !name || loc_writer_add_as(w, &as, (uint32_t)strtoul(number, NULL, 10)))
            return -1;
        loc_as_set_name(as, name);
        loc_as_unref(as);
        return 0;
    }
    if (!strcmp(word, "net")) {
        char *prefix = strtok_r(NULL, " \t", &save);
        char *country = strtok_r(NULL, " \t", &save);
        char *asn = strtok_r(NULL, " \t", &save);
        char *flag = strtok_r(NULL, " \t", &save);
        struct loc_network *net = NULL;
        if (!prefix || !country || !asn || loc_writer_add_network(w, &net, prefix))
            return -1;
        loc_network_set_country_code(net, country);
        loc_network_set_asn(net, (uint32_t)strtoul(asn, NULL, 10));
        if (flag && !strcmp(flag, "anycast"))
            loc_network_set_flag(net, LOC_NETWORK_FLAG_ANYCAST);
        loc_network_unref(net);
        return 0;
    }
    return -1;
}

int locdb_write(const char *text, const char *path)
{
    struct loc_ctx *ctx = NULL;
    struct loc_writer *w = NULL;
    int rc = -1;
    char *copy = strdup(text);
    if (!copy || loc_new(&ctx) || loc_writer_new(ctx, &w, NULL, NULL))
        goto out;
    loc_writer_set_vendor(w, "vigie tests");
    char *save = NULL;
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
        if (fact(w, line)) {
            fprintf(stderr, "locdb: cannot add '%s'\n", line);
            goto out;
        }
    FILE *f = fopen(path, "w");
    if (!f)
        goto out;
    rc = loc_writer_write(w, f, LOC_DATABASE_VERSION_LATEST) ? -1 : 0;
    if (fclose(f))
        rc = -1;
out:
    if (w)
        loc_writer_unref(w);
    if (ctx)
        loc_unref(ctx);
    free(copy);
    return rc;
}
