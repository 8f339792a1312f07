/*
 * src/server/console/files.c - a report's files, and previews of their
 * evidence (made in memory by hotline/evidence.h).
 *
 * Minimal exposure: GET /console/files/ID/preview gives a small, blurred,
 * greyscale PNG; a sharper colour view needs a deliberate POST (a button,
 * with the CSRF token) to the same address. Both are audited. Nothing is
 * written to disk: the vault's plaintext and the decoded pixels are wiped
 * once the PNG is built. A video is never played in the console: its
 * preview is a contact sheet of stills spread over it, blurred and grey
 * like a picture's, and the stretches that matched a known video are named.
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <time.h>

#include "hotline/evidence.h"
#include "model/video.h"
#include "server/console/console.h"

/* ---- the route -------------------------------------------------------- */

/* "/console/files/ID/preview" -> ID, or 0. */
static int64_t file_id_of(const char *path)
{
    const char *prefix = "/console/files/";
    if (strncmp(path, prefix, strlen(prefix)))
        return 0;
    const char *id = path + strlen(prefix);
    const char *slash = strchr(id, '/');
    if (!slash || strcmp(slash, "/preview") || slash - id > 18)
        return 0;
    char text[20];
    memcpy(text, id, (size_t)(slash - id));
    text[slash - id] = 0;
    return vg_console_id(text);
}

void vg_console_preview(vg_http_request *req)
{
    vg_console *con = vg_http_route_ctx(req);
    int clear = !strcmp(vg_http_method(req), "POST");
    int64_t id = file_id_of(vg_http_path(req));
    if (!id) {
        vg_http_error_page(req, 404, vg_console_tr(req, "console.files.no_such"));
        return;
    }
    /* Object-level: being an analyst is not enough to see a file. */
    vg_actor who = vg_console_actor(req);
    vg_item_outcome may;
    int not_image = 0;
    uint8_t *png = NULL;
    size_t png_len = 0;
    vg_error err;
    vg_status st =
        vg_hotline_preview(con->hotline, id, &who, clear, clear ? &con->clear : &con->blurred,
                           (int64_t)time(NULL), &may, &not_image, &png, &png_len, &err);
    if (st == VG_ERR_NOMEM) {
        vg_http_error_page(req, 500, vg_console_tr(req, "console.files.no_memory"));
    } else if (st == VG_ERR_UNSUPPORTED) {
        vg_http_error_page(req, 415, vg_console_tr(req, "console.files.not_decoded"));
    } else if (st == VG_ERR_IO) {
        /* The vault's message names files on the server: for the log only. */
        json_t *fields = json_pack("{s:I,s:s}", "file", (json_int_t)id, "error", err.message);
        vg_http_log_json(vg_http_server(req), "error", "vault read failed", fields);
        json_decref(fields);
        vg_http_error_page(req, 500, vg_console_tr(req, "console.files.vault"));
    } else if (st != VG_OK) {
        /* The view is audited before it is made: unrecorded, it is not shown. */
        vg_console_unavailable(req, &err);
    } else if (may == VG_ITEM_NO_SUCH_REPORT) {
        vg_http_error_page(req, 404, vg_console_tr(req, "console.files.digests_only"));
    } else if (may != VG_ITEM_DONE) {
        vg_http_error_page(req, 403,
                           vg_console_tr(req, may == VG_ITEM_FINISHED ? "console.files.known"
                                                                      : "console.files.claim"));
    } else if (not_image) {
        vg_http_error_page(req, 415, vg_console_tr(req, "console.files.no_kind"));
    } else {
        vg_http_respond(req, 200, "image/png", png, png_len);
    }
    vg_thumb_free(png, png_len);
}

/* ---- the files table -------------------------------------------------- */

static void hash_line(vg_page *p, const char *name, const char *value)
{
    if (!value)
        return;
    vg_page_fmt(p, "<div><small>%s</small> <span class=\"hash\">", name);
    vg_page_text(p, value);
    vg_page_put(p, "</span></div>");
}

/* What fingerprinting said of a video (vg_report_file.video_match): the
 * shares of frames and the stretches that matched a known video, so the
 * analyst looks at the right minutes; or why there is no fingerprint. */
static void video_match(vg_page *p, const char *text)
{
    json_t *o = text ? json_loads(text, 0, NULL) : NULL;
    if (!json_is_object(o)) {
        json_decref(o);
        return;
    }
    const char *error = json_string_value(json_object_get(o, "error"));
    json_t *segments = json_object_get(o, "segments");
    if (error) {
        vg_page_put(p, "<br>");
        vg_page_t(p, "console.files.video_error");
        vg_page_put(p, " ");
        vg_page_text(p, error);
    } else if (json_is_array(segments)) {
        char query[16], compared[16];
        snprintf(query, sizeof query, "%.0f",
                 json_number_value(json_object_get(o, "query_percent")));
        snprintf(compared, sizeof compared, "%.0f",
                 json_number_value(json_object_get(o, "compared_percent")));
        const char *names[] = {"query", "compared"}, *values[] = {query, compared};
        vg_page_put(p, " (");
        vg_page_tv(p, "console.files.video_match", 2, names, values);
        vg_page_put(p, ")<br>");
        vg_page_t(p, "console.files.stretches");
        /* times held left to right, as the page's dates */
        vg_page_put(p, "<span dir=\"ltr\">");
        size_t i;
        json_t *seg;
        json_array_foreach(segments, i, seg) {
            char from[16], to[16];
            vg_video_time(json_number_value(json_array_get(seg, 0)), from, sizeof from);
            vg_video_time(json_number_value(json_array_get(seg, 1)), to, sizeof to);
            vg_page_fmt(p, "%s %s&ndash;%s", i ? "," : "", from, to);
        }
        json_int_t more = json_integer_value(json_object_get(o, "segments_total")) -
                          (json_int_t)json_array_size(segments);
        vg_page_put(p, "</span>");
        if (more > 0) {
            vg_page_put(p, " ");
            vg_console_tn(p, "console.files.more", "count", (int64_t)more);
        }
    } else {
        vg_page_put(p, " (");
        vg_console_tn(p, "console.files.frames", "count",
                      (int64_t)json_integer_value(json_object_get(o, "frames")));
        vg_page_put(p, ")");
    }
    json_decref(o);
}

/* A match by a signal of vigie's own that survives bars and crops
 * (docs/robust.md): said as such, so the analyst knows what kind of
 * likeness the bank saw. */
static int robust_match(const char *signal)
{
    return signal && (!strcmp(signal, VG_MATCH_TRIMMED) || !strcmp(signal, VG_MATCH_CROP));
}

static void robust_note(vg_page *p, const vg_item_file *f)
{
    vg_page_put(p, " &mdash; ");
    vg_page_text(p, vg_console_vocab(p, "term.match.", vg_match_terms, f->match_signal));
    if (!strcmp(f->match_signal, VG_MATCH_TRIMMED)) {
        vg_page_put(p, " (");
        vg_console_tn(p, "console.files.bits", "bits", f->distance);
        vg_page_put(p, ")");
    }
}

void vg_console_files_table(vg_page *p, vg_http_request *req, const vg_console *con,
                            const vg_item *it, const vg_item_file *files, size_t count)
{
    int previews = it != NULL;
    const vg_http_caller *who = vg_http_caller_of(req);
    if (!count) {
        vg_page_put(p, "<p>");
        vg_page_t(p, "console.files.none");
        vg_page_put(p, "</p>");
        return;
    }
    static const char *const COLUMNS[] = {"console.files.col.file", "console.files.col.hashes",
                                          "console.files.col.match", "console.files.col.preview"};
    vg_page_put(p, "<table class=\"files\"><thead><tr>");
    vg_page_th_cols(p, COLUMNS, (previews ? 4u : 3u));
    vg_page_put(p, "</tr></thead><tbody>");
    for (size_t i = 0; i < count; i++) {
        const vg_item_file *f = &files[i];
        int known = f->known == VG_FILE_KNOWN || f->own_legal;
        vg_page_fmt(p, "<tr><td>#%" PRId64 " ", f->id);
        if (f->filename)
            vg_page_text(p, f->filename);
        else
            vg_page_t(p, "console.files.no_name");
        vg_page_put(p, "<br><small>");
        if (f->content_type)
            vg_page_text(p, f->content_type);
        else
            vg_page_t(p, "console.files.unknown_type");
        vg_page_t(p, "console.comma");
        vg_console_tn(p, "console.files.bytes", "size", f->size);
        vg_page_t(p, "console.comma");
        vg_console_tn(p, "console.queue.report_n", "id", f->report_id);
        vg_page_put(p, "</small></td><td>");
        hash_line(p, "SHA-256", f->sha256);
        hash_line(p, "SHA-1", f->sha1);
        hash_line(p, "MD5", f->md5);
        hash_line(p, "PDQ", f->pdq);
        vg_page_put(p, "</td><td>");
        if (f->own_legal) {
            vg_page_put(p, "<strong>");
            vg_page_t(p, "console.files.known_label");
            vg_page_put(p, "</strong>: ");
            vg_page_t(p, "console.files.own_bank");
            vg_page_t(p, "console.comma");
            vg_page_text(p, vg_console_term(p, f->own_legal));
            if (f->own_severity && *f->own_severity) {
                vg_page_put(p, " ");
                vg_page_text(p, f->own_severity);
            }
            vg_page_put(p, "<br>");
        }
        const char *names[] = {"bank", "entry"};
        const char *values[] = {f->bank ? f->bank : "", f->bank_entry ? f->bank_entry : ""};
        if (f->known == VG_FILE_KNOWN) {
            vg_page_put(p, "<strong>");
            vg_page_t(p, "console.files.known_label");
            vg_page_put(p, "</strong>: ");
            vg_page_tv(p, "console.files.bank_entry", 2, names, values);
            if (f->video_match && strstr(f->video_match, "\"segments\"")) {
                video_match(p, f->video_match);
            } else if (robust_match(f->match_signal)) {
                robust_note(p, f);
            } else {
                vg_page_put(p, " (");
                if (f->distance)
                    vg_console_tn(p, "console.files.bits", "bits", f->distance);
                else
                    vg_page_t(p, "console.files.exact");
                vg_page_put(p, ")");
            }
            if (f->quarantined) {
                int64_t hours = con->hotline->quarantine.window_seconds / 3600;
                char count_text[24], hours_text[24];
                snprintf(count_text, sizeof count_text, "%" PRId64, f->quarantined);
                snprintf(hours_text, sizeof hours_text, "%" PRId64, hours);
                const char *qnames[] = {"count", "hours"};
                const char *qvalues[] = {count_text, hours_text};
                vg_page_put(p, "<br><strong class=\"problem\">");
                vg_page_tv(p, "console.files.quarantined", 2, qnames, qvalues);
                vg_page_put(p, "</strong> ");
                vg_page_t(p, "console.files.quarantine_note");
            }
        } else if (f->known == VG_FILE_CLAIMED) {
            /* A digest the sender quoted: what they say, not what we know. */
            vg_page_put(p, "<strong>");
            vg_page_t(p, "console.files.claimed_label");
            vg_page_put(p, "</strong> ");
            vg_page_tv(p, "console.files.claimed", 2, names, values);
        }
        if (!known && f->known != VG_FILE_CLAIMED) {
            vg_page_t(p, "console.files.new");
            video_match(p, f->video_match);
        }
        vg_page_put(p, "</td>");
        if (previews) {
            vg_page_put(p, "<td>");
            vg_item_outcome may = vg_rule_may_view(
                it, f, who->username, who->role >= VG_ROLE_SUPERVISOR, &con->hotline->trust);
            vg_preview_kind kind = vg_rule_preview_kind(f);
            int video = kind == VG_PREVIEW_STILLS;
            if (!f->vault_id) {
                vg_page_t(p, "console.files.cell.digests");
            } else if (kind == VG_PREVIEW_NONE) {
                vg_page_t(p, "console.files.cell.no_kind");
            } else if (may == VG_ITEM_FINISHED) {
                vg_page_t(p, "console.files.cell.known");
            } else if (may != VG_ITEM_DONE) {
                vg_page_t(p, video ? "console.files.cell.claim_video" : "console.files.cell.claim");
            } else {
                /* a video is never played: a few blurred stills spread over it */
                vg_page_fmt(p, "<img class=\"preview\" src=\"/console/files/%" PRId64
                               "/preview\" alt=\"", f->id);
                vg_console_tn(p, video ? "console.files.alt_video" : "console.files.alt",
                              "id", f->id);
                vg_page_put(p, "\" loading=\"lazy\"> ");
                vg_page_fmt(p,
                            "<form class=\"inline\" method=\"post\" action=\"/console/files/"
                            "%" PRId64 "/preview\">",
                            f->id);
                vg_page_csrf(p, req);
                vg_page_put(p, "<button type=\"submit\">");
                vg_page_t(p, "console.files.sharper");
                vg_page_put(p, "</button></form>");
            }
            vg_page_put(p, "</td>");
        }
        vg_page_put(p, "</tr>");
    }
    vg_page_put(p, "</tbody></table>");
}
