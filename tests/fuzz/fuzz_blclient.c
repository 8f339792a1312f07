/* libFuzzer target: what a blocking list member reads from outside
 * (vigie/blclient.h): a prefix update from the server, a full-hash answer,
 * a state file. The first byte chooses the parser, the rest is its input.
 * Beyond not crashing: an update applied leaves the set its answer counted,
 * a refused one leaves the set as it was; full hashes all carry the prefix
 * asked. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vigie/blclient.h"
#include "vigie/urlhash.h"

/* a set of two prefixes at version 5, which updates start from */
static const char START[] =
    "{\"version\":5,\"reset\":true,\"additions\":[\"00000001\",\"ffffffff\"],\"removals\":[],"
    "\"count\":2,\"checksum\":"
    "\"102245a7156595b5282b6e88d1bb9545378aca8e0e067c14b48ca96992977b6e\"}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    vg_blclient_options o = {.server = "https://hotline.example", .key = "vg_fuzz"};
    vg_blclient *c = NULL;
    if (vg_blclient_new(&o, &c, NULL) != VG_OK)
        abort();
    if (vg_blclient_apply_answer(c, START, strlen(START), NULL, NULL) != VG_OK)
        abort();
    size_t before = vg_blclient_count(c);
    int64_t version = vg_blclient_version(c);
    switch (data[0] % 3) {
    case 0: {
        vg_blclient_update_info info;
        memset(&info, 0, sizeof info);
        if (vg_blclient_apply_answer(c, text, len, &info, NULL) == VG_OK) {
            if (vg_blclient_count(c) != info.count || vg_blclient_version(c) != info.version)
                abort();
        } else if (vg_blclient_count(c) != before || vg_blclient_version(c) != version) {
            abort();
        }
        break;
    }
    case 1: {
        uint32_t prefix = len >= 4 ? (uint32_t)data[1] << 24 | (uint32_t)data[2] << 16 |
                                         (uint32_t)data[3] << 8 | data[4]
                                   : 0;
        unsigned char *hashes = NULL;
        size_t count = 0;
        if (vg_blclient_parse_full_hashes(text, len, prefix, &hashes, &count, NULL) == VG_OK)
            for (size_t i = 0; i < count; i++)
                if (vg_urlhash_prefix(hashes + 32 * i) != prefix)
                    abort();
        free(hashes);
        break;
    }
    default:
        if (vg_blclient_load_bytes(c, (const unsigned char *)text, len, NULL) != VG_OK &&
            (vg_blclient_count(c) != before || vg_blclient_version(c) != version))
            abort();
        break;
    }
    vg_blclient_free(c);
    return 0;
}
