/*
 * target_clones.h - VG_TARGET_CLONES: hot loops get an AVX2 clone on
 * x86-64 when the toolchain supports it, chosen at run time. Only for code
 * whose result does not depend on the instruction set (integer arithmetic,
 * or float without FMA: vigie builds with -ffp-contract=off). Only static
 * functions are cloned: clang wants every declaration of a cloned function
 * to carry the attribute, so exported ones are plain wrappers. Not under
 * ASan: ifunc resolvers run before the sanitizer starts.
 */
#ifndef VIGIE_CORE_TARGET_CLONES_H
#define VIGIE_CORE_TARGET_CLONES_H

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VG_NO_CLONES 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define VG_NO_CLONES 1
#endif
#if defined(__x86_64__) && defined(__has_attribute) && !defined(VG_NO_CLONES)
#if __has_attribute(target_clones)
#define VG_TARGET_CLONES __attribute__((target_clones("avx2", "default")))
#endif
#endif
#ifndef VG_TARGET_CLONES
#define VG_TARGET_CLONES
#endif

#endif
