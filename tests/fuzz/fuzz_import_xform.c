/* fuzz_import_xform.c: the xform reader, then the mapping; see import_check.h. */
#include "import_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int parse(const uint8_t *data, size_t size, struct import_table *t, struct import_error *e)
{
	return import_xform_parse((const char *)data, size, t, e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_import(data, size, parse, IMPORT_XFORM);
}
