/*
 * dict.c: the string maps and the dictionaries of values behind the
 * statistics' columns (stats_int.h): a value's 16-bit code, and back.
 */
#include <stdlib.h>
#include <string.h>

#include "../../core/alloc.h"
#include "stats_int.h"

/* ---- a string -> index map (open addressing, FNV-1a) ---- */


static uint64_t fnv(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static int smap_grow(struct smap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 64;
	char **keys = xcalloc(cap, sizeof(*keys));
	uint32_t *vals = xcalloc(cap, sizeof(*vals));
	if (!keys || !vals) {
		free(keys);
		free(vals);
		return ERR_NOMEM;
	}
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->keys[i])
			continue;
		size_t j = fnv(m->keys[i]) & (cap - 1);
		while (keys[j])
			j = (j + 1) & (cap - 1);
		keys[j] = m->keys[i];
		vals[j] = m->vals[i];
	}
	free(m->keys);
	free(m->vals);
	m->keys = keys;
	m->vals = vals;
	m->cap = cap;
	return 0;
}

/* The index of key, or -1. */
int64_t smap_get(const struct smap *m, const char *key)
{
	if (!m->cap)
		return -1;
	for (size_t j = fnv(key) & (m->cap - 1); m->keys[j]; j = (j + 1) & (m->cap - 1))
		if (!strcmp(m->keys[j], key))
			return m->vals[j];
	return -1;
}

int smap_put(struct smap *m, const char *key, uint32_t val)
{
	if ((m->n + 1) * 2 > m->cap && smap_grow(m) < 0)
		return ERR_NOMEM;
	size_t j = fnv(key) & (m->cap - 1);
	while (m->keys[j]) {
		if (!strcmp(m->keys[j], key)) {
			m->vals[j] = val;
			return 0;
		}
		j = (j + 1) & (m->cap - 1);
	}
	if (!(m->keys[j] = xstrdup(key)))
		return ERR_NOMEM;
	m->vals[j] = val;
	m->n++;
	return 0;
}

void smap_free(struct smap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->keys[i]);
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

/* ---- dictionaries ---- */


int dict_code(struct dict *d, const char *value, uint16_t *code)
{
	int64_t c = smap_get(&d->map, value);
	if (c >= 0) {
		*code = (uint16_t)c;
		return 0;
	}
	if (d->n >= 65535)
		return ERR_NOMEM;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;
		const char **v = xreallocarray(d->vals, cap, sizeof(*v));
		if (!v)
			return ERR_NOMEM;
		d->vals = v;
		d->cap = cap;
	}
	if (smap_put(&d->map, value, (uint32_t)d->n) < 0)
		return ERR_NOMEM;
	/* the map owns the key: find its copy */
	for (size_t j = fnv(value) & (d->map.cap - 1);; j = (j + 1) & (d->map.cap - 1))
		if (!strcmp(d->map.keys[j], value)) {
			d->vals[d->n] = d->map.keys[j];
			break;
		}
	*code = (uint16_t)d->n++;
	return 0;
}

int dict_init(struct dict *d, const char *const *fixed, size_t n)
{
	memset(d, 0, sizeof(*d));
	d->cap = 16;
	if (!(d->vals = xcalloc(d->cap, sizeof(*d->vals))))
		return ERR_NOMEM;
	d->vals[0] = NULL;
	d->n = 1;
	uint16_t c;
	for (size_t i = 0; i < n; i++)
		if (dict_code(d, fixed[i], &c) < 0)
			return ERR_NOMEM;
	d->n_fixed = d->n - 1;
	return 0;
}

void dict_free(struct dict *d)
{
	smap_free(&d->map);
	free(d->vals);
	memset(d, 0, sizeof(*d));
}
