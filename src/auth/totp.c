/* totp.c: see totp.h. */
#include "totp.h"

#include <liboath/oath.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/err.h"
#include "../crypto/hash.h"

static pthread_once_t oath_once = PTHREAD_ONCE_INIT;
static void oath_start(void)
{
	oath_init();
}

void totp_secret_new(unsigned char secret[TOTP_SECRET_BYTES])
{
	random_bytes(secret, TOTP_SECRET_BYTES);
}

int totp_secret_base32(const unsigned char secret[TOTP_SECRET_BYTES], char out[TOTP_BASE32_MAX])
{
	pthread_once(&oath_once, oath_start);
	char *enc = NULL;
	size_t len = 0;
	if (oath_base32_encode((const char *)secret, TOTP_SECRET_BYTES, &enc, &len) != OATH_OK)
		return ERR_FAIL;
	while (len > 0 && enc[len - 1] == '=')
		len--;
	int rc = ERR_FAIL;
	if (len < TOTP_BASE32_MAX) {
		memcpy(out, enc, len);
		out[len] = '\0';
		rc = 0;
	}
	free(enc);
	return rc;
}

int totp_check(const unsigned char secret[TOTP_SECRET_BYTES], const char *code, int64_t now,
	       int64_t last_step, int64_t *step)
{
	pthread_once(&oath_once, oath_start);
	if (!code || strlen(code) != 6 || strspn(code, "0123456789") != 6)
		return ERR_UNAUTH;
	int pos = 0;
	uint64_t counter = 0;
	int rc = oath_totp_validate3((const char *)secret, TOTP_SECRET_BYTES, (time_t)now,
				     OATH_TOTP_DEFAULT_TIME_STEP_SIZE, OATH_TOTP_DEFAULT_START_TIME,
				     1, &pos, &counter, code);
	if (rc < 0)
		return ERR_UNAUTH;
	if ((int64_t)counter <= last_step)
		return ERR_UNAUTH;   /* this code (or a later one) was already used */
	*step = (int64_t)counter;
	return 0;
}
