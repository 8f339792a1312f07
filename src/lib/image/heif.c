/*
 * heif.c - HEIC/HEIF and AVIF (the primary image) through libheif.
 *
 * libheif decodes a whole picture at once; the decoded image is one
 * interleaved RGB buffer owned by libheif, allocated only after the sizes
 * in the container were checked against max_pixels. Transformations
 * (rotation, mirroring, cropping) are not applied: pixels as stored, like
 * every other format here. Deeper samples are reduced to 8 bits by libheif.
 * Grey (monochrome) HEIF is delivered as RGB8 with equal channels:
 * libheif 1.15 cannot say a picture is monochrome before decoding it.
 *
 * libheif 1.15 has no area limit of its own, so the sizes the container
 * and the HEVC parameter sets declare are checked here first.
 */
#include <limits.h>
#include <pthread.h>
#include <string.h>

#include <libheif/heif.h>

#include "image/image_internal.h"

static vg_status heif_fail(vg_decoder *dec, struct heif_error e, const char *what)
{
    vg_status st = VG_ERR_CORRUPT;
    if (e.code == heif_error_Unsupported_feature || e.code == heif_error_Unsupported_filetype)
        st = VG_ERR_UNSUPPORTED;
    else if (e.subcode == heif_suberror_Security_limit_exceeded)
        st = VG_ERR_TOO_LARGE;
    else if (e.code == heif_error_Memory_allocation_error)
        st = VG_ERR_NOMEM;
    return vg_decoder_fail(dec, st, "%s %s: %s", vg_image_format_name(dec->info.format), what,
                           e.message ? e.message : "unknown error");
}

static bool have_decoder(const char *id)
{
    const struct heif_decoder_descriptor *found[16];
    int n = heif_get_decoder_descriptors(heif_compression_AV1, found, 16);
    for (int i = 0; i < n; i++)
        if (strcmp(heif_decoder_descriptor_get_id_name(found[i]), id) == 0)
            return true;
    return false;
}

/* Container pre-check --------------------------------------------------------
 *
 * libheif 1.15 checks only each item's declared size ('ispe') against a
 * per-side limit, then trusts other sizes: a grid or overlay allocates the
 * canvas its own data declares, and tiles may declare any area. Before
 * libheif decodes anything, the boxes that carry sizes are read here
 * (every read bounds-checked) and any area above max_pixels is refused.
 * A container this parser cannot follow is left to libheif to reject. */

typedef struct span {
    const uint8_t *p;
    size_t len;
} span;

static uint64_t be(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/* Next box of `in` from *off: its type and body. */
static bool next_box(span in, size_t *off, uint32_t *type, span *body)
{
    if (*off > in.len || in.len - *off < 8)
        return false;
    const uint8_t *b = in.p + *off;
    uint64_t size = be(b, 4), header = 8;
    *type = (uint32_t)be(b + 4, 4);
    if (size == 1) {
        if (in.len - *off < 16)
            return false;
        size = be(b + 8, 8);
        header = 16;
    } else if (size == 0) {
        size = in.len - *off;
    }
    if (size < header || size > in.len - *off)
        return false;
    body->p = b + header;
    body->len = (size_t)(size - header);
    *off += (size_t)size;
    return true;
}

#define FOURCC(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

/* A cursor over a box body. */
typedef struct cursor {
    span s;
    size_t pos;
    bool bad;
} cursor;

static uint64_t take(cursor *c, unsigned n)
{
    if (c->bad || n > 8 || c->s.len - c->pos < n) {
        c->bad = true;
        return 0;
    }
    uint64_t v = be(c->s.p + c->pos, n);
    c->pos += n;
    return v;
}

/* What iloc says of an item's data. */
typedef enum item_where {
    ITEM_UNKNOWN, /* iloc cannot be followed (damaged, or data in another item) */
    ITEM_ABSENT,  /* iloc lists no data for the item */
    ITEM_FOUND
} item_where;

/* The data of item `id` per iloc: its first extent in *first (for the
 * headers read here, empty when it lies outside the file) and the bytes
 * of all its extents that lie inside the file in *total. An extent length
 * of 0 means "to the end of the file". */
static item_where item_data(span file, span iloc, span idat, uint32_t id, span *first,
                            uint64_t *total)
{
    cursor c = {iloc, 0, false};
    unsigned version = (unsigned)take(&c, 1);
    take(&c, 3);
    unsigned sizes = (unsigned)take(&c, 2);
    unsigned off_size = sizes >> 12, len_size = (sizes >> 8) & 15, base_size = (sizes >> 4) & 15;
    unsigned index_size = version == 1 || version == 2 ? sizes & 15 : 0;
    uint64_t count = take(&c, version < 2 ? 2 : 4);
    bool found = false;
    *first = (span){NULL, 0};
    *total = 0;
    for (uint64_t i = 0; i < count && !c.bad; i++) {
        uint64_t item = take(&c, version < 2 ? 2 : 4);
        unsigned method = version == 1 || version == 2 ? (unsigned)take(&c, 2) & 15 : 0;
        take(&c, 2); /* data reference index */
        uint64_t base = take(&c, base_size);
        uint64_t extents = take(&c, 2);
        if (item == id) {
            if (found || method > 1)
                return ITEM_UNKNOWN; /* listed twice, or made of another item's data */
            found = true;
        }
        span from = method == 1 ? idat : file;
        for (uint64_t e = 0; e < extents && !c.bad; e++) {
            take(&c, index_size);
            uint64_t offset = take(&c, off_size), length = take(&c, len_size);
            if (item != id || c.bad || !from.p || base > from.len || offset > from.len - base)
                continue;
            uint64_t start = base + offset, avail = from.len - start;
            uint64_t got = length && length < avail ? length : avail;
            if (e == 0)
                *first = (span){from.p + start, (size_t)got};
            *total += got;
        }
    }
    if (c.bad)
        return ITEM_UNKNOWN;
    return found ? ITEM_FOUND : ITEM_ABSENT;
}

/* Item types that are pictures, coded or derived from a picture's own
 * data: each must have data. ('iden' derives from another item and has
 * none; Exif, XMP and other metadata items are not pictures.) */
static bool is_picture_item(uint32_t type)
{
    switch (type) {
    case FOURCC('a', 'v', '0', '1'):
    case FOURCC('h', 'v', 'c', '1'):
    case FOURCC('h', 'e', 'v', '1'):
    case FOURCC('a', 'v', 'c', '1'):
    case FOURCC('v', 'v', 'c', '1'):
    case FOURCC('j', 'p', 'e', 'g'):
    case FOURCC('j', '2', 'k', '1'):
    case FOURCC('u', 'n', 'c', 'i'):
    case FOURCC('g', 'r', 'i', 'd'):
    case FOURCC('i', 'o', 'v', 'l'):
        return true;
    default:
        return false;
    }
}

/* The canvas a grid ('grid') or overlay ('iovl') item declares. */
static bool derived_size(uint32_t type, span data, uint64_t *w, uint64_t *h)
{
    cursor c = {data, 0, false};
    take(&c, 1); /* version */
    unsigned flags = (unsigned)take(&c, 1);
    unsigned field = flags & 1 ? 4 : 2;
    if (type == FOURCC('g', 'r', 'i', 'd'))
        take(&c, 2); /* rows, columns */
    else
        take(&c, 8); /* background colour */
    *w = take(&c, field);
    *h = take(&c, field);
    return !c.bad;
}

/* HEVC parameter sets: libde265 allocates the picture its SPS declares,
 * whatever 'ispe' says, so the SPS of every 'hvcC' is read too. */
typedef struct bits {
    const uint8_t *p;
    size_t len, pos; /* pos in bits, over the NAL with emulation bytes removed */
    size_t byte;     /* next raw byte to load */
    uint64_t cache;
    unsigned cached, zeros;
    bool raw; /* AV1: no emulation prevention bytes */
    bool bad;
} bits;

static unsigned bit(bits *b)
{
    if (!b->cached) {
        if (b->byte >= b->len) {
            b->bad = true;
            return 0;
        }
        uint8_t v = b->p[b->byte++];
        /* 00 00 03: the 03 only prevents a start code; drop it. */
        if (!b->raw && b->zeros >= 2 && v == 3) {
            b->zeros = 0;
            if (b->byte >= b->len) {
                b->bad = true;
                return 0;
            }
            v = b->p[b->byte++];
        }
        b->zeros = v == 0 ? b->zeros + 1 : 0;
        b->cache = v;
        b->cached = 8;
    }
    b->cached--;
    return (unsigned)(b->cache >> b->cached) & 1;
}

static uint64_t bits_u(bits *b, unsigned n)
{
    uint64_t v = 0;
    while (n--)
        v = v << 1 | bit(b);
    return v;
}

static uint64_t bits_ue(bits *b) /* Exp-Golomb */
{
    unsigned lead = 0;
    while (!bit(b) && !b->bad)
        if (++lead > 32) {
            b->bad = true;
            return 0;
        }
    return ((uint64_t)1 << lead) - 1 + bits_u(b, lead);
}

/* Width and height of an HEVC SPS NAL unit (header included). */
static bool sps_size(span nal, uint64_t *w, uint64_t *h)
{
    bits b = {.p = nal.p, .len = nal.len};
    bits_u(&b, 16); /* NAL header */
    bits_u(&b, 4);  /* vps id */
    unsigned sub_layers = (unsigned)bits_u(&b, 3);
    bits_u(&b, 1);
    bits_u(&b, 96); /* general profile, tier and level */
    unsigned profile_present[8] = {0}, level_present[8] = {0};
    for (unsigned i = 0; i < sub_layers; i++) {
        profile_present[i] = bit(&b);
        level_present[i] = bit(&b);
    }
    if (sub_layers > 0)
        for (unsigned i = sub_layers; i < 8; i++)
            bits_u(&b, 2);
    for (unsigned i = 0; i < sub_layers; i++) {
        if (profile_present[i])
            bits_u(&b, 88);
        if (level_present[i])
            bits_u(&b, 8);
    }
    bits_ue(&b); /* sps id */
    if (bits_ue(&b) == 3) /* chroma format 4:4:4 */
        bit(&b);         /* separate colour planes */
    *w = bits_ue(&b);
    *h = bits_ue(&b);
    return !b.bad;
}

static vg_status check_hvcc(vg_decoder *dec, span hvcc)
{
    if (hvcc.len < 23)
        return VG_OK;
    size_t pos = 23;
    unsigned arrays = hvcc.p[22];
    for (unsigned a = 0; a < arrays; a++) {
        if (hvcc.len - pos < 3)
            return VG_OK;
        unsigned type = hvcc.p[pos] & 0x3f;
        unsigned count = (unsigned)be(hvcc.p + pos + 1, 2);
        pos += 3;
        for (unsigned n = 0; n < count; n++) {
            if (hvcc.len - pos < 2)
                return VG_OK;
            size_t nal_len = (size_t)be(hvcc.p + pos, 2);
            pos += 2;
            if (hvcc.len - pos < nal_len)
                return VG_OK;
            uint64_t w, h;
            if (type == 33 && sps_size((span){hvcc.p + pos, nal_len}, &w, &h) &&
                !vg_decoder_size_ok(dec, w > 64 ? w - 64 : 0, h > 64 ? h - 64 : 0))
                return vg_decoder_too_large(dec, w, h);
            pos += nal_len;
        }
    }
    return VG_OK;
}

/* AV1: libaom allocates frames up to the size the sequence header
 * declares, so every sequence header OBU (in 'av1C' and in the data of
 * 'av01' items) is read as well. */
static bool av1_sequence_size(span obu, uint64_t *w, uint64_t *h)
{
    bits b = {.p = obu.p, .len = obu.len, .raw = true};
    bits_u(&b, 3); /* seq_profile */
    bits_u(&b, 1); /* still_picture */
    if (bit(&b)) { /* reduced_still_picture_header */
        bits_u(&b, 5);
    } else {
        bool decoder_model = false;
        unsigned delay_bits = 0;
        if (bit(&b)) { /* timing_info_present_flag */
            bits_u(&b, 64);
            if (bit(&b)) { /* equal_picture_interval: uvlc */
                unsigned lead = 0;
                while (!bit(&b) && !b.bad && lead < 32)
                    lead++;
                bits_u(&b, lead);
            }
            if ((decoder_model = bit(&b))) {
                delay_bits = (unsigned)bits_u(&b, 5) + 1;
                bits_u(&b, 32 + 5 + 5);
            }
        }
        bool display_delay = bit(&b);
        unsigned points = (unsigned)bits_u(&b, 5) + 1;
        for (unsigned i = 0; i < points && !b.bad; i++) {
            bits_u(&b, 12);
            if (bits_u(&b, 5) > 7)
                bit(&b); /* seq_tier */
            if (decoder_model && bit(&b))
                bits_u(&b, 2 * delay_bits + 1);
            if (display_delay && bit(&b))
                bits_u(&b, 4);
        }
    }
    unsigned wbits = (unsigned)bits_u(&b, 4) + 1, hbits = (unsigned)bits_u(&b, 4) + 1;
    *w = bits_u(&b, wbits) + 1;
    *h = bits_u(&b, hbits) + 1;
    return !b.bad;
}

/* Check every sequence header among the OBUs of `data`. */
static vg_status check_av1_obus(vg_decoder *dec, span data)
{
    size_t pos = 0;
    while (pos < data.len) {
        unsigned header = data.p[pos++];
        unsigned type = (header >> 3) & 15;
        if (header & 4) /* extension header */
            pos++;
        uint64_t size = data.len > pos ? data.len - pos : 0;
        if (header & 2) { /* leb128 size */
            size = 0;
            for (unsigned i = 0;; i++) {
                if (pos >= data.len || i == 8)
                    return VG_OK;
                unsigned byte = data.p[pos++];
                size |= (uint64_t)(byte & 0x7f) << (7 * i);
                if (!(byte & 0x80))
                    break;
            }
        }
        if (pos > data.len || size > data.len - pos)
            return VG_OK;
        uint64_t w, h;
        if (type == 1 && av1_sequence_size((span){data.p + pos, (size_t)size}, &w, &h) &&
            !vg_decoder_size_ok(dec, w > 64 ? w - 64 : 0, h > 64 ? h - 64 : 0))
            return vg_decoder_too_large(dec, w, h);
        pos += (size_t)size;
    }
    return VG_OK;
}

static vg_status precheck_container(vg_decoder *dec, const uint8_t *data, size_t len)
{
    span file = {data, len}, meta = {0}, body;
    uint32_t type;
    size_t off = 0;
    while (next_box(file, &off, &type, &body))
        if (type == FOURCC('m', 'e', 't', 'a') && body.len >= 4) {
            meta = (span){body.p + 4, body.len - 4};
            break;
        }
    if (!meta.p)
        return VG_OK;
    span iinf = {0}, iloc = {0}, idat = {0};
    uint64_t primary = UINT64_MAX;
    off = 0;
    while (next_box(meta, &off, &type, &body)) {
        if (type == FOURCC('p', 'i', 't', 'm') && body.len >= 6)
            primary = body.p[0] == 0 ? be(body.p + 4, 2) : body.len >= 8 ? be(body.p + 4, 4) : 0;
        else if (type == FOURCC('i', 'i', 'n', 'f'))
            iinf = body;
        else if (type == FOURCC('i', 'l', 'o', 'c'))
            iloc = body;
        else if (type == FOURCC('i', 'd', 'a', 't'))
            idat = body;
        else if (type == FOURCC('i', 'p', 'r', 'p')) {
            size_t poff = 0;
            span ipco;
            uint32_t ptype;
            while (next_box(body, &poff, &ptype, &ipco)) {
                if (ptype != FOURCC('i', 'p', 'c', 'o'))
                    continue;
                size_t qoff = 0;
                span prop;
                uint32_t qtype;
                while (next_box(ipco, &qoff, &qtype, &prop)) {
                    vg_status st = VG_OK;
                    if (qtype == FOURCC('h', 'v', 'c', 'C'))
                        st = check_hvcc(dec, prop);
                    else if (qtype == FOURCC('a', 'v', '1', 'C') && prop.len > 4)
                        st = check_av1_obus(dec, (span){prop.p + 4, prop.len - 4});
                    if (st != VG_OK)
                        return st;
                    if (qtype == FOURCC('i', 's', 'p', 'e') && prop.len >= 12) {
                        /* Coded items may be padded to the codec's block
                         * size (64 px for HEVC) beyond the visible image. */
                        uint64_t w = be(prop.p + 4, 4), h = be(prop.p + 8, 4);
                        if (!vg_decoder_size_ok(dec, w > 64 ? w - 64 : 0, h > 64 ? h - 64 : 0))
                            return vg_decoder_too_large(dec, w, h);
                    }
                }
            }
        }
    }
    if (primary == UINT64_MAX || !iinf.p || !iloc.p)
        return VG_OK;
    /* The primary item's type, from its 'infe' entry (version 2 or 3). */
    size_t entries_at = iinf.len >= 4 && iinf.p[0] == 0 ? 6 : 8;
    if (iinf.len < entries_at)
        return VG_OK;
    span entries = {iinf.p + entries_at, iinf.len - entries_at}, infe;
    off = 0;
    while (next_box(entries, &off, &type, &infe)) {
        if (type != FOURCC('i', 'n', 'f', 'e') || infe.len < 4 || infe.p[0] < 2)
            continue;
        unsigned id_size = infe.p[0] == 2 ? 2 : 4;
        if (infe.len < 4 + id_size + 2 + 4)
            continue;
        uint64_t id = be(infe.p + 4, id_size);
        uint32_t item_type = (uint32_t)be(infe.p + 4 + id_size + 2, 4);
        span item;
        uint64_t w, h, bytes;
        item_where where = item_data(file, iloc, idat, (uint32_t)id, &item, &bytes);
        /* A picture without data reaches the AV1 or HEVC decoder as an
         * empty buffer: dav1d then leaks (a hostile upload a time). */
        if (is_picture_item(item_type) &&
            (where == ITEM_ABSENT || (where == ITEM_FOUND && bytes == 0)))
            return vg_decoder_fail(dec, VG_ERR_CORRUPT, "%s image item %llu has no data",
                                   vg_image_format_name(dec->info.format),
                                   (unsigned long long)id);
        if (where != ITEM_FOUND)
            continue;
        if (item_type == FOURCC('a', 'v', '0', '1')) {
            vg_status st = check_av1_obus(dec, item);
            if (st != VG_OK)
                return st;
        }
        if (id == primary &&
            (item_type == FOURCC('g', 'r', 'i', 'd') || item_type == FOURCC('i', 'o', 'v', 'l')) &&
            derived_size(item_type, item, &w, &h) && !vg_decoder_size_ok(dec, w, h))
            return vg_decoder_too_large(dec, w, h);
    }
    return VG_OK;
}

static vg_status decode_primary(vg_decoder *dec, struct heif_context *ctx, const uint8_t *data,
                                size_t len)
{
    heif_context_set_maximum_image_size_limit(
        ctx, dec->max_pixels > INT_MAX ? INT_MAX : (int)dec->max_pixels);
    vg_status pre = precheck_container(dec, data, len);
    if (pre != VG_OK)
        return pre;
    struct heif_error e = heif_context_read_from_memory_without_copy(ctx, data, len, NULL);
    if (e.code != heif_error_Ok)
        return heif_fail(dec, e, "container is invalid");
    struct heif_image_handle *handle = NULL;
    e = heif_context_get_primary_image_handle(ctx, &handle);
    if (e.code != heif_error_Ok)
        return heif_fail(dec, e, "has no primary image");

    vg_status st = VG_OK;
    int w = heif_image_handle_get_width(handle), h = heif_image_handle_get_height(handle);
    int iw = heif_image_handle_get_ispe_width(handle), ih = heif_image_handle_get_ispe_height(handle);
    if (w <= 0 || h <= 0) {
        st = vg_decoder_fail(dec, VG_ERR_CORRUPT, "%s image has no pixels",
                             vg_image_format_name(dec->info.format));
    } else if (!vg_decoder_size_ok(dec, (uint64_t)w, (uint64_t)h)) {
        st = vg_decoder_too_large(dec, (uint64_t)w, (uint64_t)h);
    } else if (iw > 0 && ih > 0 && !vg_decoder_size_ok(dec, (uint64_t)iw, (uint64_t)ih)) {
        st = vg_decoder_too_large(dec, (uint64_t)iw, (uint64_t)ih);
    }
    if (st != VG_OK) {
        heif_image_handle_release(handle);
        return st;
    }
    bool alpha = heif_image_handle_has_alpha_channel(handle);
    int bits = heif_image_handle_get_luma_bits_per_pixel(handle);

    struct heif_decoding_options *opts = heif_decoding_options_alloc();
    if (!opts) {
        heif_image_handle_release(handle);
        return vg_decoder_fail(dec, VG_ERR_NOMEM, "HEIF: out of memory");
    }
    opts->ignore_transformations = 1;
    opts->convert_hdr_to_8bit = 1;
    /* dav1d prints its input validation failures to stderr, and the
     * library must never print: prefer libaom for AV1 when it is there. */
    if (dec->info.format == VG_FORMAT_AVIF && have_decoder("aom"))
        opts->decoder_id = "aom";
    struct heif_image *img = NULL;
    e = heif_decode_image(handle, &img, heif_colorspace_RGB, heif_chroma_interleaved_RGB, opts);
    heif_decoding_options_free(opts);
    heif_image_handle_release(handle);
    if (e.code != heif_error_Ok)
        return heif_fail(dec, e, "image cannot be decoded");

    int stride = 0;
    const uint8_t *pixels = heif_image_get_plane_readonly(img, heif_channel_interleaved, &stride);
    int iwidth = heif_image_get_primary_width(img), iheight = heif_image_get_primary_height(img);
    if (!pixels || iwidth <= 0 || iheight <= 0 || stride < iwidth * 3 ||
        heif_image_get_bits_per_pixel(img, heif_channel_interleaved) != 24) {
        heif_image_release(img);
        return vg_decoder_fail(dec, VG_ERR_CORRUPT, "%s decoder returned no usable pixels",
                               vg_image_format_name(dec->info.format));
    }
    st = vg_decoder_begin(dec, (uint32_t)iwidth, (uint32_t)iheight, VG_PIXEL_RGB8,
                          alpha ? VG_COLOR_RGBA : VG_COLOR_YCBCR,
                          (uint8_t)(bits > 0 && bits < 255 ? bits : 8));
    for (int y = 0; y < iheight && st == VG_OK; y++)
        st = vg_decoder_row(dec, pixels + (size_t)y * (size_t)stride);
    heif_image_release(img);
    return st;
}

/* libheif's plugin registry is set up by heif_init and torn down by the
 * last heif_deinit; doing both around every decode costs about 5 ms (the
 * decoders are reloaded each time). One reference is therefore taken once
 * per process, under pthread_once, and never released: the only state it
 * leaves behind is libheif's own, which is thread-safe. */
static pthread_once_t heif_once = PTHREAD_ONCE_INIT;
static enum heif_error_code heif_init_code = heif_error_Ok;

static void heif_init_once(void)
{
    heif_init_code = heif_init(NULL).code;
}

vg_status vg_decode_heif(vg_decoder *dec, const uint8_t *data, size_t len)
{
    pthread_once(&heif_once, heif_init_once);
    if (heif_init_code != heif_error_Ok)
        return vg_decoder_fail(dec, VG_ERR_UNSUPPORTED, "%s: libheif cannot start",
                               vg_image_format_name(dec->info.format));
    struct heif_context *ctx = heif_context_alloc();
    if (!ctx)
        return vg_decoder_fail(dec, VG_ERR_NOMEM, "HEIF: out of memory");
    vg_status st = decode_primary(dec, ctx, data, len);
    heif_context_free(ctx);
    return st;
}
