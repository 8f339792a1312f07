/*
 * pattern.h - deterministic synthetic pictures of any size, for known-answer
 * tests: the PDQ vectors in tests/unit/pdq/known/ were computed by the
 * reference hasher from these exact bytes.
 *
 * Only integer arithmetic is used (no floating point, no libm), so every
 * compiler, C library and machine makes the same bytes from the same
 * parameters. The picture: a colour gradient, value noise at two scales,
 * and a few rectangles and discs placed by the seed, so that it has edges
 * and texture at every size (a PDQ quality near 100 from about 32 pixels).
 */
#ifndef VIGIE_SAMPLES_PATTERN_H
#define VIGIE_SAMPLES_PATTERN_H

#include <stdint.h>

/* width * height RGB8 pixels, rows top first, malloc'd (free() them);
 * NULL when out of memory or a side is 0. */
uint8_t *vg_pattern_rgb(uint32_t width, uint32_t height, uint32_t seed);

#endif
