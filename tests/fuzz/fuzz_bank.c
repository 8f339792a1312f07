/* libFuzzer target: the bank reader on arbitrary bytes. The first byte
 * picks the options (plain type, skip_bad); the rest is the bank. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vigie/bank.h"

static vg_status on_entry(void *ctx, const vg_bank_entry *e, vg_error *err)
{
    (void)err;
    size_t *sum = ctx;
    /* Touch every byte the entry points at, so the sanitizers see misuse. */
    for (size_t i = 0; i < e->id_len; i++)
        *sum += (unsigned char)e->id[i];
    for (size_t i = 0; i < e->metadata_len; i++)
        *sum += (unsigned char)e->metadata[i];
    size_t bytes = vg_signal_type_bytes(e->type);
    if (bytes)
        *sum += e->value[bytes - 1];
    for (size_t i = 0; i < e->long_value_len; i++)
        *sum += e->long_value[i];
    return VG_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    vg_bank_options opts;
    vg_bank_options_init(&opts);
    opts.plain_type = (vg_signal_type)(data[0] % (VG_SIGNAL_TYPE_COUNT + 1));
    opts.skip_bad = data[0] & 0x80;
    size_t sum = 0;
    vg_bank_callbacks cb = {NULL, on_entry, NULL, &sum};
    vg_error err;
    vg_bank_parse_buffer(data + 1, size - 1, "fuzz", &opts, &cb, NULL, &err);
    return 0;
}
