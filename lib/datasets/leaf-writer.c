/* The system calls of generation's small files, in C: a run of whole files created, written, timed and closed
 * relative to their directory, so a file costs its four calls and nothing else (node:fs resolves the whole
 * path on every open and adds its own work per call). Compiled at start by Bun's built-in TinyCC (native-writer.ts);
 * no headers, so it needs no libc development files: the prototypes below are POSIX's, the open flags come
 * from the caller (node's fs.constants), and struct timespec is two longs on every 64-bit Linux. */
typedef long ssize_t;
typedef unsigned long size_t;
struct mb_timespec { long sec; long nsec; };
int openat(int dirfd, const char *path, int flags, ...);
ssize_t write(int fd, const void *buf, size_t count);
int futimens(int fd, const struct mb_timespec times[2]);
int close(int fd);
int unlinkat(int dirfd, const char *path, int flags);

/* names: n NUL-terminated names one after another; sizes: n byte counts; data: the files' bytes, each file's
 * slice starting at a multiple of 16 (the keystream's block layout); kinds: per file bit 1 = executable mode,
 * bit 2 = the old mtime, or NULL for none. Returns n, or -(i + 1) when file i failed: a file this call
 * created and could not finish is removed again, so the caller can redo it and report the system's error. */
int mb_write_run(int dirfd, const char *names, const unsigned int *sizes, const unsigned char *data, int n, int oflags,
                 const unsigned char *kinds, int file_mode, int exec_mode, long fixed_sec, long fixed_nsec, long old_sec, long old_nsec) {
  const char *name = names;
  size_t at = 0;
  for (int i = 0; i < n; i++) {
    int kind = kinds ? kinds[i] : 0;
    int fd = openat(dirfd, name, oflags, (kind & 1) ? exec_mode : file_mode);
    if (fd < 0) return -1 - i;
    size_t size = sizes[i], done = 0;
    while (done < size) {
      ssize_t w = write(fd, data + at + done, size - done);
      if (w <= 0) break;
      done += (size_t)w;
    }
    struct mb_timespec t[2];
    t[0].sec = t[1].sec = (kind & 2) ? old_sec : fixed_sec;
    t[0].nsec = t[1].nsec = (kind & 2) ? old_nsec : fixed_nsec;
    int ok = done == size && futimens(fd, t) == 0;
    if (close(fd) != 0) ok = 0;
    if (!ok) {
      unlinkat(dirfd, name, 0);
      return -1 - i;
    }
    at += (size + 15) & ~(size_t)15;
    while (*name) name++;
    name++;
  }
  return n;
}
