/*
 * src/server/hma/curation.c - HMA's bank endpoints, reading: GET /c/banks,
 * GET /c/bank/NAME and GET /c/bank/NAME/content/ID (hma.h). The banks are
 * those of the server's index; an entry's number is its content id.
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hotline/banks.h"
#include "server/hma/hma.h"
#include "vigie/digest.h"
#include "vigie/pdq.h"

/* HMA's BankConfig: every bank of the index matches, always. */
static json_t *bank_json(const char *name)
{
    return json_pack("{s:s, s:f}", "name", name, "matching_enabled_ratio", 1.0);
}

void vg_hma_banks(vg_http_request *req)
{
    vg_hma *hma = vg_http_route_ctx(req);
    vg_index_stats stats;
    int64_t built_at;
    vg_hotline_bank_index(hma->srv->hotline, &stats, &built_at);
    json_t *list = json_array();
    char name[256];
    for (uint32_t i = 0; list && i < stats.banks; i++)
        if (vg_hotline_bank_name(hma->srv->hotline, i, name, sizeof name))
            json_array_append_new(list, bank_json(name));
    vg_hma_json(req, 200, list);
}

/* The bank numbered as named, or -1. */
static int64_t bank_numbered(vg_hotline *h, const char *name, size_t len)
{
    vg_index_stats stats;
    int64_t built_at;
    vg_hotline_bank_index(h, &stats, &built_at);
    char buf[256];
    for (uint32_t i = 0; i < stats.banks; i++) {
        const char *n = vg_hotline_bank_name(h, i, buf, sizeof buf);
        if (n && strlen(n) == len && !strncmp(n, name, len))
            return i;
    }
    return -1;
}

static json_t *entry_json(const vg_index_entry *e, uint64_t id)
{
    char value[VG_PDQ_HEX_CHARS + 1] = "";
    if (e->type == VG_SIGNAL_PDQ || e->type == VG_SIGNAL_VPDQ)
        vg_pdq_to_hex((const vg_pdq_hash *)e->value, value);
    else
        vg_hex_encode(e->value, vg_signal_type_bytes(e->type), value);
    const char *type = e->type == VG_SIGNAL_MD5 ? "video_md5" : vg_signal_type_name(e->type);
    json_t *signals = json_object(), *metadata = json_object();
    json_object_set_new(signals, type, json_string(value));
    /* the bank's own columns, as vigie keeps them */
    const char *col = e->columns, *val = e->metadata;
    while (col && val && col < e->columns + e->columns_len && val < e->metadata + e->metadata_len) {
        json_object_set_new(metadata, col, json_string(val));
        col += strlen(col) + 1;
        val += strlen(val) + 1;
    }
    char *ext = strndup(e->id, e->id_len);
    json_t *o = json_pack("{s:I, s:s, s:b, s:s?, s:o, s:o}", "id", (json_int_t)id, "bank",
                          e->bank_name, "enabled", !e->removed, "original_id", ext, "signals",
                          signals, "metadata", metadata);
    free(ext);
    if (e->type == VG_SIGNAL_VPDQ && o)
        json_object_set_new(o, "frames", json_integer(e->video_frames));
    return o;
}

/* /c/bank/NAME and /c/bank/NAME/content/ID */
void vg_hma_bank(vg_http_request *req)
{
    vg_hma *hma = vg_http_route_ctx(req);
    vg_hotline *h = hma->srv->hotline;
    const char *path = vg_http_path(req);
    size_t base = strlen(hma->prefix) + strlen("/c/bank/");
    const char *rest = strlen(path) > base ? path + base : "";
    size_t name_len = strcspn(rest, "/");
    if (name_len == 0) {
        vg_hma_error(req, 404, "bank '' not found");
        return;
    }
    int64_t bank = bank_numbered(h, rest, name_len);
    if (bank < 0) {
        vg_hma_error(req, 404, "bank '%.*s' not found", (int)(name_len < 100 ? name_len : 100),
                     rest);
        return;
    }
    const char *tail = rest + name_len;
    if (!*tail || !strcmp(tail, "/")) {
        char name[256];
        vg_hma_json(req, 200,
                    bank_json(vg_hotline_bank_name(h, (uint32_t)bank, name, sizeof name)
                                  ? name
                                  : ""));
        return;
    }
    const char *id_text = !strncmp(tail, "/content/", 9) ? tail + 9 : NULL;
    char *end = NULL;
    unsigned long long id =
        id_text && *id_text >= '0' && *id_text <= '9' ? strtoull(id_text, &end, 10) : 0;
    if (!end || *end) {
        vg_hma_error(req, 404, "Not found");
        return;
    }
    vg_index_entry e;
    int found = 0;
    vg_error err;
    void *ticket = NULL;
    if (vg_hotline_bank_entry(h, id, &e, &found, &ticket, &err) != VG_OK) {
        vg_hotline_index_release(h, ticket);
        vg_hma_error(req, 500, "%s", err.message);
        return;
    }
    /* a frame of a video is not content of its own */
    if (!found || e.bank != (uint32_t)bank ||
        (e.type == VG_SIGNAL_VPDQ && e.video != (uint64_t)id))
        vg_hma_error(req, 404, "content %llu not found", id);
    else
        vg_hma_json(req, 200, entry_json(&e, id));
    vg_hotline_index_release(h, ticket);
}
