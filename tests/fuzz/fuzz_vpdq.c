/*
 * fuzz_vpdq - libFuzzer target for the vPDQ text readers: hash files and
 * ThreatExchange signal strings (vigie/vpdq.h). Whatever parses must
 * format back to lines that parse to the same frames.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vigie/vpdq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void round_trip(const vg_vpdq *v)
{
    for (size_t i = 0; i < v->count; i++) {
        char line[VG_VPDQ_LINE_MAX + 1];
        size_t n = vg_vpdq_format_line(&v->frames[i], line);
        vg_vpdq_frame back;
        if (n == 0 || n > VG_VPDQ_LINE_MAX || vg_vpdq_parse_line(line, n, &back, NULL) != VG_OK ||
            memcmp(&back.hash, &v->frames[i].hash, sizeof back.hash) != 0 ||
            back.number != v->frames[i].number || back.quality != v->frames[i].quality)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vg_vpdq v = VG_VPDQ_INIT;
    vg_error err;
    if (vg_vpdq_parse_file_buffer((const char *)data, size, &v, &err) == VG_OK)
        round_trip(&v);
    vg_vpdq_clear(&v);
    if (vg_vpdq_parse_signal((const char *)data, size, &v, &err) == VG_OK)
        round_trip(&v);
    vg_vpdq_set set;
    if (vg_vpdq_set_from(&v, VG_VPDQ_QUALITY_THRESHOLD, &set, &err) == VG_OK) {
        vg_vpdq_similarity sim;
        vg_vpdq_compare(&set, &set, NULL, &sim);
        if (set.count && (!sim.match || sim.query_percent != 100.0))
            abort();
        vg_vpdq_set_free(&set);
    }
    vg_vpdq_free(&v);
    return 0;
}
