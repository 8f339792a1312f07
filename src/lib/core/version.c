#include "vigie/vigie.h"

const char *vg_version(void)
{
    return VG_VERSION_STRING;
}
