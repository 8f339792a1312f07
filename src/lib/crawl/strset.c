#include "strset.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static size_t slot_of(char *const *slots, size_t capacity, const char *s)
{
    size_t i = (size_t)fnv1a(s) & (capacity - 1);
    while (slots[i] && strcmp(slots[i], s) != 0)
        i = (i + 1) & (capacity - 1);
    return i;
}

bool strset_has(const strset *set, const char *s)
{
    return set->capacity && set->slots[slot_of(set->slots, set->capacity, s)];
}

static bool grow(strset *set)
{
    size_t capacity = set->capacity ? set->capacity * 2 : 64;
    char **slots = calloc(capacity, sizeof *slots);
    if (!slots)
        return false;
    for (size_t i = 0; i < set->capacity; i++)
        if (set->slots[i])
            slots[slot_of(slots, capacity, set->slots[i])] = set->slots[i];
    free(set->slots);
    set->slots = slots;
    set->capacity = capacity;
    return true;
}

int strset_add(strset *set, const char *s)
{
    if (strset_has(set, s))
        return 0;
    /* at most half full: probes stay short */
    if ((set->count + 1) * 2 > set->capacity && !grow(set))
        return -1;
    char *copy = strdup(s);
    if (!copy)
        return -1;
    set->slots[slot_of(set->slots, set->capacity, s)] = copy;
    set->count++;
    return 1;
}

void strset_free(strset *set)
{
    for (size_t i = 0; i < set->capacity; i++)
        free(set->slots[i]);
    free(set->slots);
    *set = (strset){0};
}
