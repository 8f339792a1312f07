/*
 * src/hotline/callback_arm.c - when a partner hotline is owed a callback
 * (routing_internal.h): a report it forwarded here changed. Called from
 * inside the transactions of intake, assessment and routing; it calls no
 * other use case, so that none of them calls back into the others.
 */
#include <string.h>

#include "hotline/routing_internal.h"
#include "store/items.h"
#include "store/people.h"
#include "store/routes.h"

const vg_partner *vg_routing_partner_by_org(const vg_routing *r, const char *org)
{
    for (size_t i = 0; r && org && *org && i < r->partners.count; i++)
        if (r->partners.items[i].key_org && !strcmp(r->partners.items[i].key_org, org))
            return &r->partners.items[i];
    return NULL;
}

/* Whether any partner may be called back at all (one names a key_org). */
static int any_callbacks(const vg_routing *r)
{
    for (size_t i = 0; r && i < r->partners.count; i++)
        if (r->partners.items[i].key_org)
            return 1;
    return 0;
}

vg_status vg_routing_callback_key_tx(vg_tx *tx, const vg_routing *r, int64_t report_id,
                                     int64_t api_key_id, int64_t now, vg_error *err)
{
    if (api_key_id <= 0 || !any_callbacks(r))
        return VG_OK;
    /* One read by the key's id, whatever the number of keys. */
    vg_api_key key;
    int found = 0;
    vg_status st = vg_tx_api_key_by_id(tx, api_key_id, &key, &found, err);
    if (st != VG_OK || !found) {
        vg_api_key_clear(&key);
        return st;
    }
    /* The key that sent the report says which partner forwarded it; what
     * the report itself claims ("origin") never decides where its fate
     * goes. */
    const vg_partner *p = vg_routing_partner_by_org(r, key.org);
    vg_api_key_clear(&key);
    return p ? vg_tx_callback_arm(tx, report_id, p->country, now, err) : VG_OK;
}

vg_status vg_routing_callback_tx(vg_tx *tx, const vg_routing *r, int64_t report_id, int64_t now,
                                 vg_error *err)
{
    if (!any_callbacks(r))
        return VG_OK;
    vg_item item;
    int found = 0;
    vg_status st = vg_tx_item_get(tx, report_id, &item, &found, err);
    if (st != VG_OK || !found)
        return st;
    int64_t key_id = item.api_key_id;
    vg_item_clear(&item);
    return vg_routing_callback_key_tx(tx, r, report_id, key_id, now, err);
}
