/*
 * src/lib/crawl/strset.h - a set of strings (URLs seen), open addressing.
 * The set owns copies of what it holds.
 */
#ifndef VIGIE_CRAWL_STRSET_H
#define VIGIE_CRAWL_STRSET_H

#include <stdbool.h>
#include <stddef.h>

typedef struct strset {
    char **slots;
    size_t capacity, count; /* capacity 0 or a power of two */
} strset;

/* 1 when s was added, 0 when it was there already, -1 out of memory. */
int strset_add(strset *set, const char *s);
bool strset_has(const strset *set, const char *s);
void strset_free(strset *set);

#endif
