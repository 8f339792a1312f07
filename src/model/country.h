/*
 * src/model/country.h - country names for people: the ISO 3166-1 alpha-2
 * codes vigie stores (a hosting country, a reporter's country) shown with
 * their English short names. Pure data.
 */
#ifndef VIGIE_MODEL_COUNTRY_H
#define VIGIE_MODEL_COUNTRY_H

#include <stddef.h>

/* "France" for "FR" (upper case, as stored); NULL for a code that is not
 * one of ISO 3166-1's (a user-assigned code, "", NULL). The string is
 * static. */
const char *vg_country_name(const char *code);
/* The table, in code order: its size and its i-th code (NULL past it). */
size_t vg_country_count(void);
const char *vg_country_code_at(size_t i);

#endif
