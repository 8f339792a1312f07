/*
 * src/util/mailtext.h - the text of e-mail the hotline writes itself
 * (notices to hosts, referrals to the police and child protection): message
 * templates in the recipient's language, and header values that stay valid
 * whatever language or characters they carry.
 *
 * Headers (RFC 5322, RFC 2047): a value of printable ASCII goes as it is;
 * anything else becomes encoded-words "=?UTF-8?B?...?=" of at most 75
 * characters each (RFC 2047 section 2), cut between UTF-8 characters, never
 * inside one, so that each word decodes on its own, and folded onto
 * continuation lines ("\r\n "), so that no line comes near SMTP's limit of
 * 998. A control character (CR, LF, TAB...) in a value is encoded, never
 * written, so a value can never end its header or start another.
 *
 * Every function returns a string the caller frees, or NULL when out of
 * memory. Pure functions: any thread may call them.
 */
#ifndef VIGIE_UTIL_MAILTEXT_H
#define VIGIE_UTIL_MAILTEXT_H

#include <stddef.h>
#include <stdint.h>

/* The longest encoded-word RFC 2047 allows. */
#define VG_MAIL_WORD_MAX 75

typedef struct vg_mail_fill {
    const char *name, *value; /* {name} in a template becomes value */
} vg_mail_fill;

/* template with each {name} of fills[0..n) replaced by its value (a {name}
 * not among them stays as it is; values are not looked into again); with
 * crlf, each "\n" of the template becomes "\r\n" (a message body as SMTP
 * wants it; the values' own line ends are left to the caller). */
char *vg_mail_fill_template(const char *template, const vg_mail_fill *fills, size_t n,
                            int crlf);

/* A header's unstructured value (a Subject) as described above.
 * first_line_used is how much of the first line the header's name already
 * takes ("Subject: " is 9), so that the first line stays short too. */
char *vg_mail_header_text(const char *value, size_t first_line_used);

/* A mailbox "Name <address>" for From: or To:. The name is written as it is
 * when it is printable ASCII without specials, as a quoted string when it
 * has specials (a comma, "<"...), as encoded-words otherwise; an empty or
 * NULL name gives "<address>". The address is the caller's, already
 * checked (it is written as it is). */
char *vg_mail_mailbox(const char *name, const char *address);

/* The body with each lone "\n" as "\r\n" (SMTP's line end). */
char *vg_mail_crlf(const char *body);

/* now (Unix seconds) as a Date: header's value in UTC, "Sun, 06 Dec 2026
 * 14:03:00 +0000" (RFC 5322 3.3), with the English names the format
 * requires whatever the process's locale; into out (at least
 * VG_MAIL_DATE_MAX bytes). */
#define VG_MAIL_DATE_MAX 64
void vg_mail_date(int64_t now, char out[VG_MAIL_DATE_MAX]);

#endif
