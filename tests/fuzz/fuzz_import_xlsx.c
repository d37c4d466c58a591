/* fuzz_import_xlsx.c: the xlsx reader, then the mapping; see import_check.h. */
#include "import_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int parse(const uint8_t *data, size_t size, struct import_table *t, struct import_error *e)
{
	return import_xlsx_parse((const char *)data, size, t, e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_import(data, size, parse, IMPORT_XLSX);
}
