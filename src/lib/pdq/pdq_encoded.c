/*
 * pdq_encoded.c - hash an encoded image: decode rows straight into a PDQ
 * stream, so the full decoded image is never held in memory. Kept apart from
 * pdq_stream.c so that programs hashing pixels need not link the decoders.
 */
#include "pdq/pdq_internal.h"

vg_status vg_pdq_from_encoded(const uint8_t *data, size_t len, const vg_decode_options *opts,
                              bool dihedral, vg_pdq_result *out, vg_error *err)
{
    if (!data || !out)
        return vg_error_set(err, VG_ERR_INVALID, "vg_pdq_from_encoded: NULL argument");
    vg_pdq_stream *stream = NULL;
    vg_status status = vg_pdq_stream_new(dihedral, &stream, err);
    if (status != VG_OK)
        return status;
    vg_row_sink sink = vg_pdq_stream_sink(stream);
    status = vg_image_decode_rows(data, len, opts, &sink, NULL, err);
    if (status == VG_OK)
        status = vg_pdq_stream_finish(stream, out, err);
    vg_pdq_stream_free(stream);
    return status;
}
