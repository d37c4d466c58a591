/*
 * out_file.c: the files that commands write with --out (exports, the CTDC
 * file, pairs of records) appear whole or not at all. The bytes go to
 * OUT.partial (mode 0600, created, never through a symbolic link); only when
 * everything was written is it made durable and renamed over OUT. On any
 * failure the partial file is removed and OUT is left as it was.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "cli.h"

int out_file_open(struct out_file *f, const char *path)
{
	f->path = path;
	f->fd = -1;
	if (snprintf(f->tmp, sizeof(f->tmp), "%s.partial", path) >= (int)sizeof(f->tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	f->fd = open(f->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	return f->fd < 0 ? -1 : 0;
}

int out_file_write(struct out_file *f, const void *data, size_t len)
{
	const char *p = data;
	while (len > 0) {
		ssize_t w = write(f->fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int out_file_close(struct out_file *f, int rc)
{
	if (f->fd < 0)
		return -1;
	if (rc == 0 && fsync(f->fd) < 0)
		rc = -1;
	if (close(f->fd) < 0)
		rc = -1;
	f->fd = -1;
	if (rc == 0 && rename(f->tmp, f->path) < 0)
		rc = -1;
	if (rc != 0)
		unlink(f->tmp);
	return rc == 0 ? 0 : -1;
}
