/*
 * embedded.h: files compiled into the binary by scripts/embed.c at build
 * time: the web interface (ui/dist) and the SQL migrations
 * (src/store/migrations). Generated tables live in build/<mode>/gen/.
 */
#ifndef IHALA_EMBEDDED_H
#define IHALA_EMBEDDED_H

#include <stddef.h>

struct embedded_file {
	const char *path;            /* "/index.html", "/assets/app-1a2b.js", "0001_init.sql" */
	const unsigned char *data;   /* NUL-terminated (not counted in len) */
	size_t len;
	const char *etag;            /* strong ETag, quoted: "\"<blake2b-128 hex>\"" */
};

/* The web interface, sorted by path. */
extern const struct embedded_file ihala_assets[];
extern const size_t ihala_assets_count;
/* Documents served by the API: "openapi.yaml". */
extern const struct embedded_file ihala_docs[];
extern const size_t ihala_docs_count;
/* The field registry's data files, sorted by name ("case.json", "person.json", ...). */
extern const struct embedded_file ihala_registry[];
extern const size_t ihala_registry_count;
/* The built-in screening indicator sets, sorted by name ("adult-labour.set", ...). */
extern const struct embedded_file ihala_screening_sets[];
extern const size_t ihala_screening_sets_count;
/* The migrations, sorted by name ("0001_init.sql", "0002_...sql"). */
extern const struct embedded_file ihala_migrations[];
extern const size_t ihala_migrations_count;

#endif
