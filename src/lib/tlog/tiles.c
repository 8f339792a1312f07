/*
 * src/lib/tlog/tiles.c - C2SP tlog-tiles: tile paths and entry bundles
 * (vigie/tlog.h).
 */
#include "vigie/tlog.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint64_t vg_tlog_level_width(uint64_t size, unsigned level)
{
    return level > VG_TLOG_MAX_LEVEL ? 0 : size >> (VG_TLOG_TILE_HEIGHT * level);
}

vg_status vg_tlog_tile_path(const vg_tlog_tile *tile, char *out, size_t cap, vg_error *err)
{
    if ((tile->level < 0 && tile->level != VG_TLOG_ENTRIES) || tile->level > VG_TLOG_MAX_LEVEL ||
        tile->width < 1 || tile->width > VG_TLOG_TILE_WIDTH)
        return vg_error_set(err, VG_ERR_INVALID, "not a tile: level %d, width %u", tile->level,
                            tile->width);
    char n[64], digits[24];
    snprintf(digits, sizeof digits, "%" PRIu64, tile->index);
    /* pad to a multiple of three digits, then groups of three, "x" before
     * all but the last */
    size_t dl = strlen(digits), pad = (3 - dl % 3) % 3, w = 0;
    char padded[28];
    memset(padded, '0', pad);
    memcpy(padded + pad, digits, dl + 1);
    size_t pl = dl + pad;
    for (size_t i = 0; i < pl; i += 3) {
        if (i + 3 < pl)
            w += (size_t)snprintf(n + w, sizeof n - w, "x%.3s/", padded + i);
        else
            w += (size_t)snprintf(n + w, sizeof n - w, "%.3s", padded + i);
    }
    char level[16];
    if (tile->level == VG_TLOG_ENTRIES)
        strcpy(level, "entries");
    else
        snprintf(level, sizeof level, "%d", tile->level);
    int r = tile->width == VG_TLOG_TILE_WIDTH
                ? snprintf(out, cap, "tile/%s/%s", level, n)
                : snprintf(out, cap, "tile/%s/%s.p/%u", level, n, tile->width);
    if (r < 0 || (size_t)r >= cap)
        return vg_error_set(err, VG_ERR_INVALID, "no room for a tile path");
    return VG_OK;
}

static int three_digits(const char *p)
{
    return p[0] >= '0' && p[0] <= '9' && p[1] >= '0' && p[1] <= '9' && p[2] >= '0' &&
           p[2] <= '9';
}

vg_status vg_tlog_tile_path_parse(const char *path, vg_tlog_tile *out, vg_error *err)
{
    memset(out, 0, sizeof *out);
    const char *p = path;
    if (strncmp(p, "tile/", 5))
        return vg_error_set(err, VG_ERR_CORRUPT, "a tile path starts with tile/");
    p += 5;
    if (!strncmp(p, "entries/", 8)) {
        out->level = VG_TLOG_ENTRIES;
        p += 8;
    } else if (p[0] >= '0' && p[0] <= '0' + VG_TLOG_MAX_LEVEL && p[1] == '/') {
        out->level = p[0] - '0';
        p += 2;
    } else {
        return vg_error_set(err, VG_ERR_CORRUPT, "a tile's level is 0 to %d or entries",
                            VG_TLOG_MAX_LEVEL);
    }
    uint64_t index = 0;
    int groups = 0;
    for (;;) {
        int prefixed = p[0] == 'x';
        const char *d = p + prefixed;
        if (!three_digits(d))
            return vg_error_set(err, VG_ERR_CORRUPT, "a tile's index is written in groups of "
                                                     "three digits");
        /* a leading group of zeros would be a second spelling */
        if (groups == 0 && prefixed && !memcmp(d, "000", 3))
            return vg_error_set(err, VG_ERR_CORRUPT, "a tile's index has a leading x000");
        if (++groups > 7)
            return vg_error_set(err, VG_ERR_CORRUPT, "a tile's index is too large");
        uint64_t v = (uint64_t)((d[0] - '0') * 100 + (d[1] - '0') * 10 + (d[2] - '0'));
        if (index > (UINT64_MAX - v) / 1000)
            return vg_error_set(err, VG_ERR_CORRUPT, "a tile's index is too large");
        index = index * 1000 + v;
        p = d + 3;
        if (prefixed) {
            if (*p != '/')
                return vg_error_set(err, VG_ERR_CORRUPT, "an x group is followed by /");
            p++;
            continue;
        }
        break;
    }
    out->index = index;
    out->width = VG_TLOG_TILE_WIDTH;
    if (*p == 0)
        return VG_OK;
    if (strncmp(p, ".p/", 3) || p[3] < '1' || p[3] > '9')
        return vg_error_set(err, VG_ERR_CORRUPT, "a tile path ends with its index or .p/WIDTH");
    unsigned w = 0;
    for (p += 3; *p; p++) {
        if (*p < '0' || *p > '9' || w > VG_TLOG_TILE_WIDTH)
            return vg_error_set(err, VG_ERR_CORRUPT, "a partial tile's width is 1 to 255");
        w = w * 10 + (unsigned)(*p - '0');
    }
    if (w >= VG_TLOG_TILE_WIDTH)
        return vg_error_set(err, VG_ERR_CORRUPT, "a partial tile's width is 1 to 255");
    out->width = w;
    return VG_OK;
}

vg_status vg_tlog_tile_for(uint64_t size, int level, uint64_t index, vg_tlog_tile *out,
                           vg_error *err)
{
    memset(out, 0, sizeof *out);
    if (level < VG_TLOG_ENTRIES || level > VG_TLOG_MAX_LEVEL)
        return vg_error_set(err, VG_ERR_INVALID, "no tile level %d", level);
    uint64_t nodes = vg_tlog_level_width(size, level < 0 ? 0 : (unsigned)level);
    if (index >= nodes)
        return vg_error_set(err, VG_ERR_INVALID, "a tree of %" PRIu64 " leaves has no node %"
                            PRIu64 " at tile level %d", size, index, level);
    out->level = level;
    out->index = index / VG_TLOG_TILE_WIDTH;
    uint64_t left = nodes - out->index * VG_TLOG_TILE_WIDTH;
    out->width = left >= VG_TLOG_TILE_WIDTH ? VG_TLOG_TILE_WIDTH : (unsigned)left;
    return VG_OK;
}

vg_status vg_tlog_bundle_encode(const char *const *entries, const size_t *lens, size_t count,
                                unsigned char **out, size_t *out_len, vg_error *err)
{
    *out = NULL;
    if (count > VG_TLOG_TILE_WIDTH)
        return vg_error_set(err, VG_ERR_INVALID, "a bundle holds at most 256 entries");
    size_t total = 0;
    for (size_t i = 0; i < count; i++) {
        if (lens[i] > VG_TLOG_MAX_ENTRY)
            return vg_error_set(err, VG_ERR_INVALID, "an entry is longer than %d bytes",
                                VG_TLOG_MAX_ENTRY);
        total += 2 + lens[i];
    }
    unsigned char *b = malloc(total ? total : 1);
    if (!b)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    size_t w = 0;
    for (size_t i = 0; i < count; i++) {
        b[w++] = (unsigned char)(lens[i] >> 8);
        b[w++] = (unsigned char)lens[i];
        memcpy(b + w, entries[i], lens[i]);
        w += lens[i];
    }
    *out = b;
    *out_len = total;
    return VG_OK;
}

vg_status vg_tlog_bundle_each(const unsigned char *bundle, size_t len, vg_tlog_entry_fn fn,
                              void *ctx, size_t *count, vg_error *err)
{
    size_t n = 0, p = 0;
    if (count)
        *count = 0;
    while (p < len) {
        if (len - p < 2)
            return vg_error_set(err, VG_ERR_CORRUPT, "the bundle is truncated in an entry's length");
        size_t l = (size_t)bundle[p] << 8 | bundle[p + 1];
        p += 2;
        if (len - p < l)
            return vg_error_set(err, VG_ERR_CORRUPT, "the bundle is truncated in entry %zu", n);
        if (++n > VG_TLOG_TILE_WIDTH)
            return vg_error_set(err, VG_ERR_CORRUPT, "the bundle holds more than 256 entries");
        if (fn && fn(ctx, bundle + p, l))
            return vg_error_set(err, VG_ERR_ABORTED, "stopped at entry %zu", n - 1);
        p += l;
    }
    if (count)
        *count = n;
    return VG_OK;
}
