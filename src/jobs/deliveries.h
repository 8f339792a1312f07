/*
 * src/jobs/deliveries.h - the deliveries job (deliveries.c): send what
 * approved routes make (forwards to partner hotlines, referral packages),
 * each tried again with back-off until taken, and ask the partners what
 * they did with what was forwarded (hotline/forwarding.h records it all).
 */
#ifndef VIGIE_JOBS_DELIVERIES_H
#define VIGIE_JOBS_DELIVERIES_H

#include "jobs/jobs.h"

vg_status vg_job_deliveries(vg_hotline *h, int64_t now, vg_job_report *report, vg_error *err);

#endif
