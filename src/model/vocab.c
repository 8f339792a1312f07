/*
 * src/model/vocab.c - the tables of the hotline's words (vocab.h).
 */
#include "model/vocab.h"

#include <string.h>

const vg_term vg_legal_terms[] = {
    {VG_LEGAL_CSAM, "Illegal: CSAM"},
    {VG_LEGAL_OTHER, "Other illegal content"},
    {VG_LEGAL_AGE_UNDETERMINED, "Cannot determine age"},
    {VG_LEGAL_NOT_ILLEGAL, "Not illegal"},
    {NULL, NULL},
};

const vg_term vg_age_terms[] = {
    {VG_AGE_INFANT, "0-2 years"}, {VG_AGE_YOUNG_CHILD, "3-7 years"}, {"b2", "8-12 years"},
    {"b3", "13-17 years"},        {"b9", "Undetermined"},            {NULL, NULL},
};

const vg_term vg_sex_terms[] = {
    {"female", "Female"}, {"male", "Male"}, {"both", "Both"}, {"unknown", "Unknown"}, {NULL, NULL},
};

const vg_term vg_flag_terms[] = {
    {"self_generated", "Self-generated"},
    {"ai_suspected", "AI-generated or synthetic suspected"},
    {"livestreamed", "Live-streamed"},
    {"commercial", "Commercial (payment method)"},
    {"grooming", "Grooming"},
    {"sextortion", "Sextortion"},
    {NULL, NULL},
};

const vg_term vg_baseline_terms[] = {
    {"real_child", "A real child appears to be depicted"},
    {"prepubescent", "The child appears prepubescent (about 13 or younger)"},
    {"sexual_focus", "Sexual activity, or a focus on the anal or genital region"},
    {NULL, NULL},
};

const vg_term vg_category_terms[] = {
    {"image_video", "Pictures or videos"},
    {"grooming", "Grooming"},
    {VG_CATEGORY_SEXTORTION, "Sextortion"},
    {VG_CATEGORY_LIVESTREAM, "Live stream"},
    {VG_CATEGORY_IMAGE_OF_ME, "An image of me"},
    {"other", "Other"},
    {NULL, NULL},
};

const vg_term vg_reporter_kind_terms[] = {
    {"public", "A member of the public"},
    {"child", "A child or young person"},
    {"depicted", "The person shown"},
    {"professional", "A professional (teacher, social worker...)"},
    {"company", "A company or online service"},
    {"police", "The police"},
    {"hotline", "A hotline"},
    {NULL, NULL},
};

const vg_term vg_scope_terms[] = {
    {"report", "Send reports"},
    {"hash", "Hash files"},
    {"match", "Look signals up in the hash banks"},
    {"curate", "Change the hash banks"},
    {"stats", "Read the hotline's statistics"},
    {"blocklist", "Receive the blocking list, hashed (ISPs, resolvers, platforms)"},
    {NULL, NULL},
};

const vg_term vg_reporter_age_terms[] = {
    {"under_13", "Under 13"},
    {"13_15", "13 to 15"},
    {"16_17", "16 or 17"},
    {"18_plus", "18 or older"},
    {NULL, NULL},
};

const vg_term vg_alert_reason_terms[] = {
    {VG_ALERT_DANGER, "A child in danger now (said the sender)"},
    {VG_ALERT_LIVESTREAM, "Abuse streamed live"},
    {NULL, NULL},
};

const vg_term vg_alert_channel_terms[] = {
    {VG_CHANNEL_EMAIL, "E-mail"},
    {VG_CHANNEL_WEBHOOK, "Webhook"},
    {NULL, NULL},
};

const vg_term vg_item_state_terms[] = {
    {VG_ITEM_OPEN, "Open"},
    {VG_ITEM_SECOND, "Awaiting second analyst"},
    {VG_ITEM_DISPUTED, "Disputed: supervisor"},
    {VG_ITEM_CONFIRMED, "Confirmed"},
    {VG_ITEM_AUTO, "Assessed automatically"},
    {NULL, NULL},
};

const vg_term vg_decision_source_terms[] = {
    {VG_DECIDED_BANK, "Known material: decided by a bank"},
    {VG_DECIDED_COPY, "An identical report was decided"},
    {VG_DECIDED_URL, "Its URLs were decided with an earlier report"},
    {NULL, NULL},
};

const vg_term vg_audit_action_terms[] = {
    {"report.received", "A report arrived"},
    {"report.contact", "A reporter's contact details were shown"},
    {"item.claim", "An item was claimed"},
    {"item.release", "A claim was released"},
    {"item.assess", "An assessment was recorded"},
    {"item.assess.auto", "An item was assessed automatically"},
    {"item.reopen", "A classification was reopened"},
    {"preview.view", "A blurred preview was seen"},
    {"preview.clear", "A sharper preview was seen"},
    {"account.create", "An account was created"},
    {"account.role", "An account's role changed"},
    {"account.password", "A password was reset"},
    {"account.disable", "An account was disabled"},
    {"account.enable", "An account was enabled"},
    {"account.unlock", "A sign-in pause was ended"},
    {"account.totp_enable", "A second factor was set"},
    {"account.totp_disable", "A second factor was turned off"},
    {"apikey.create", "A partner key was created"},
    {"apikey.trust", "A partner key's trust changed"},
    {"apikey.revoke", "A partner key was revoked"},
    {"bank.add", "An entry was added to a bank"},
    {"bank.remove", "Entries were removed from a bank"},
    {"bank.import", "A bank file was imported"},
    {"bank.compact", "The bank index was compacted"},
    {"audit.verify", "The audit chain was verified"},
    {"login.success", "Signed in"},
    {"login.failure", "A sign-in failed"},
    {"login.refused", "A sign-in was refused"},
    {"login.lockout", "Sign-in paused after failures"},
    {"logout", "Signed out"},
    {"config.initial", "The first configuration"},
    {"config.change", "The configuration changed"},
    {"secrets.seal", "Stored secrets were sealed"},
    {"route.propose", "A route was proposed"},
    {"route.approve", "A route was approved"},
    {"route.change", "A route was changed before approval"},
    {"route.auto", "A route was approved automatically"},
    {"route.forwarded", "A report was forwarded to a partner hotline"},
    {"route.referred", "A referral package was made and sent"},
    {"route.outcome", "A partner hotline said what it did"},
    {"route.removed", "The material was recorded as removed"},
    {"route.callback", "A partner hotline was told what became of its report"},
    {"route.callback_refused", "A partner hotline's callback was refused"},
    {"block.propose", "A URL or domain was proposed for the blocking list"},
    {"block.approve", "A blocking proposal was approved"},
    {"block.refuse", "A blocking proposal was refused"},
    {"block.renew.propose", "A blocking entry's renewal was proposed"},
    {"block.renew", "A blocking entry was renewed"},
    {"block.remove", "An entry left the blocking list"},
    {"block.appeal", "An appeal against the blocking list arrived"},
    {"block.appeal.decide", "An appeal against the blocking list was decided"},
    {"bank.quarantine", "A bank entry was quarantined: it matched far more than usual"},
    {"bank.release", "A quarantined bank entry was released"},
    {NULL, NULL},
};

const vg_term vg_report_status_terms[] = {
    {VG_REPORT_RECEIVED, "Received"},
    {VG_REPORT_ASSESSING, "Being assessed"},
    {VG_REPORT_ASSESSED, "Assessed"},
    {VG_REPORT_CLOSED, "Closed"},
    {NULL, NULL},
};

const vg_term vg_action_terms[] = {
    {VG_ACTION_CHILD_PROTECTION, "Refer to child protection at once"},
    {VG_ACTION_NOTICE_HOST, "Notice to the host"},
    {VG_ACTION_POLICE, "Refer to the police"},
    {VG_ACTION_FORWARD, "Forward to the partner hotline"},
    {VG_ACTION_BLOCK, "Propose for the blocking list"},
    {VG_ACTION_ASK_CDN, "Ask the CDN for the origin"},
    {VG_ACTION_ANALYST, "An analyst decides"},
    {NULL, NULL},
};

const vg_term vg_reason_terms[] = {
    {VG_REASON_CHILD_IN_DANGER, "A child may be in immediate danger"},
    {VG_REASON_HOME, "Hosted in the hotline's country"},
    {VG_REASON_ABROAD_PARTNER, "Hosted abroad, in a country with a partner hotline"},
    {VG_REASON_ABROAD_NO_PARTNER, "Hosted abroad, in a country without a partner hotline"},
    {VG_REASON_CDN, "Behind a CDN or anycast network: the address does not tell where the material is"},
    {VG_REASON_UNRESOLVED, "The host name did not resolve"},
    {VG_REASON_NOT_LOCATED, "No address could be located"},
    {VG_REASON_SEVERAL_COUNTRIES, "Its addresses are in several countries"},
    {NULL, NULL},
};

const vg_term vg_url_route_state_terms[] = {
    {VG_URL_ROUTE_PROPOSED, "Proposed"},
    {VG_URL_ROUTE_APPROVED, "Approved"},
    {VG_URL_ROUTE_AUTOMATIC, "Approved automatically (known material)"},
    {NULL, NULL},
};

const vg_term vg_delivery_kind_terms[] = {
    {VG_DELIVERY_FORWARD, "Forward to the partner hotline"},
    {VG_DELIVERY_POLICE, "Referral package to the police"},
    {VG_DELIVERY_CHILD_PROTECTION, "Referral to child protection"},
    {NULL, NULL},
};

const vg_term vg_block_kind_terms[] = {
    {VG_BLOCK_KIND_URL, "Page or picture URL"},
    {VG_BLOCK_KIND_DOMAIN, "Whole domain dedicated to CSAM"},
    {NULL, NULL},
};

const vg_term vg_block_state_terms[] = {
    {VG_BLOCK_PROPOSED, "Proposed"},
    {VG_BLOCK_LISTED, "Listed"},
    {VG_BLOCK_REFUSED, "Refused"},
    {VG_BLOCK_REMOVED, "Removed"},
    {NULL, NULL},
};

const vg_term vg_block_removal_terms[] = {
    {VG_BLOCK_GONE, "The material is gone (verified)"},
    {VG_BLOCK_EXPIRED, "Expired"},
    {VG_BLOCK_APPEAL, "An appeal succeeded"},
    {NULL, NULL},
};

const vg_term vg_appeal_state_terms[] = {
    {VG_APPEAL_OPEN, "Waiting for a supervisor"},
    {VG_APPEAL_GRANTED, "Granted: the entry left the list"},
    {VG_APPEAL_REJECTED, "Rejected: the entry stays"},
    {NULL, NULL},
};

const vg_term vg_done_terms[] = {
    {VG_DONE_FORWARDED, "Forwarded to a partner hotline"},
    {VG_DONE_NOTICE_SENT, "Notice sent to the host"},
    {VG_DONE_REFERRED, "Referred"},
    {VG_DONE_REMOVED, "Removed"},
    {VG_DONE_REAPPEARED, "Online again after removal"},
    {NULL, NULL},
};

const vg_term vg_match_terms[] = {
    {VG_MATCH_DIGEST, "exact digest"},
    {VG_MATCH_PDQ, "PDQ"},
    {VG_MATCH_TRIMMED, "matched after trimming borders"},
    {VG_MATCH_CROP, "matched by local features (crop)"},
    {VG_MATCH_VIDEO, "video fingerprint"},
    {NULL, NULL},
};

const vg_term *vg_term_find(const vg_term *list, const char *code)
{
    for (size_t i = 0; code && list[i].code; i++)
        if (!strcmp(list[i].code, code))
            return &list[i];
    return NULL;
}

const char *vg_term_label(const vg_term *list, const char *code)
{
    const vg_term *t = vg_term_find(list, code);
    return t ? t->label : code ? code : "";
}

int vg_term_index(const vg_term *list, const char *code)
{
    const vg_term *t = vg_term_find(list, code);
    return t ? (int)(t - list) : -1;
}

size_t vg_term_count(const vg_term *list)
{
    size_t n = 0;
    while (list[n].code)
        n++;
    return n;
}

int vg_legal_worse(const char *a, const char *b)
{
    int ia = vg_term_index(vg_legal_terms, a), ib = vg_term_index(vg_legal_terms, b);
    if (ia < 0)
        return 0;
    return ib < 0 || ia < ib;
}
