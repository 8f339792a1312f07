/*
 * src/jobs/alerts.h - the alerts job (alerts.c): send the alert deliveries
 * due at now, record every attempt, and fail (an error line in the log)
 * when one of them could not be made; it is tried again later.
 */
#ifndef VIGIE_JOBS_ALERTS_H
#define VIGIE_JOBS_ALERTS_H

#include "jobs/jobs.h"

vg_status vg_job_alerts(vg_hotline *h, int64_t now, vg_job_report *report, vg_error *err);

#endif
