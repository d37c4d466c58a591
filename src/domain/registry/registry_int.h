/*
 * registry_int.h: the registry's insides, shared by registry.c (loading,
 * lookups, JSON) and validate.c (values). Not for use outside this folder.
 */
#ifndef IHALA_REGISTRY_INT_H
#define IHALA_REGISTRY_INT_H

#include "registry.h"

struct section {
	const char *key;           /* borrowed from the entity's root */
	struct label label;
};

struct entity_int {
	struct entity pub;         /* strings borrowed from root; arrays owned */
	struct section *sections;  /* owned */
	size_t n_sections;
	json_t *root;              /* owned: the parsed data file */
};

struct registry {
	struct entity_int *entities;   /* owned, in the order the files were given */
	size_t n_entities;
	char fingerprint[REGISTRY_FINGERPRINT_LEN + 1];   /* hex, of the data files */
};

/* The field `key` of entity e, or NULL. */
const struct field *entity_field(const struct entity *e, const char *key);

#endif
