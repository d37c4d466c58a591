/* version.h: the release version, printed by `ihala version` and GET /api/v1/meta. */
#ifndef IHALA_VERSION_H
#define IHALA_VERSION_H
#define IHALA_VERSION "0.1.0"
#endif
