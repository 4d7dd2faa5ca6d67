/* The kernel's floor for writing a small-file tree, for bench:scale: the same directories, names and sizes
 * as a generated dataset, written by T threads with nothing else (constant bytes, no hashing, no manifest).
 *
 * usage: floor-writer LIST ROOT THREADS
 *   LIST: one line per entry in tree order, "D <relative path>" or "F <size bytes> <relative path>".
 * Creates every directory first, then the files: each thread takes the next run of consecutive files
 * (one directory, at most 2000 files), as generation's workers do; each file is created (O_EXCL, never
 * through a link), written, given the fixed mtime and closed. Prints the milliseconds of that part.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define RUN_FILES 2000
#define MAX_BYTES (1 << 20)

typedef struct { char *path; long size; } Entry;
static Entry *files;
static size_t nfiles, *runs, nruns;
static atomic_size_t next_run;
static char data[MAX_BYTES];
static int rootfd;

static void die(const char *what, const char *path) {
  fprintf(stderr, "floor-writer: %s %s: %s\n", what, path, strerror(errno));
  exit(1);
}

static void *writer(void *arg) {
  (void)arg;
  const struct timespec t[2] = {{1600000000, 0}, {1600000000, 0}};
  for (;;) {
    size_t r = atomic_fetch_add(&next_run, 1);
    if (r >= nruns) return NULL;
    for (size_t i = runs[r]; i < (r + 1 < nruns ? runs[r + 1] : nfiles); i++) {
      int fd = openat(rootfd, files[i].path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
      if (fd < 0) die("create", files[i].path);
      for (long done = 0; done < files[i].size;) {
        ssize_t n = pwrite(fd, data, (size_t)(files[i].size - done), done);
        if (n <= 0) die("write", files[i].path);
        done += n;
      }
      if (futimens(fd, t) != 0) die("futimens", files[i].path);
      close(fd);
    }
  }
}

static size_t dir_len(const char *p) {
  const char *s = strrchr(p, '/');
  return s ? (size_t)(s - p) : 0;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: floor-writer LIST ROOT THREADS\n");
    return 2;
  }
  FILE *list = fopen(argv[1], "r");
  if (!list) die("open", argv[1]);
  rootfd = open(argv[2], O_RDONLY | O_DIRECTORY);
  if (rootfd < 0) die("open", argv[2]);
  int threads = atoi(argv[3]);
  if (threads < 1) threads = 1;
  if (threads > 64) threads = 64;
  memset(data, 'x', sizeof data);
  size_t cap = 1 << 16, dcap = 1 << 10, ndirs = 0;
  files = malloc(cap * sizeof *files);
  char **dirs = malloc(dcap * sizeof *dirs);
  char *line = NULL;
  size_t lcap = 0;
  ssize_t got;
  while ((got = getline(&line, &lcap, list)) > 0) {
    if (line[got - 1] == '\n') line[--got] = 0;
    if (line[0] == 'D' && line[1] == ' ') {
      if (ndirs == dcap) dirs = realloc(dirs, (dcap *= 2) * sizeof *dirs);
      dirs[ndirs++] = strdup(line + 2);
    } else if (line[0] == 'F' && line[1] == ' ') {
      char *end;
      long size = strtol(line + 2, &end, 10);
      if (*end != ' ' || size < 0 || size > MAX_BYTES) {
        fprintf(stderr, "floor-writer: bad line: %s\n", line);
        return 2;
      }
      if (nfiles == cap) files = realloc(files, (cap *= 2) * sizeof *files);
      files[nfiles++] = (Entry){strdup(end + 1), size};
    }
  }
  // Runs: consecutive files of one directory, at most RUN_FILES each.
  runs = malloc((nfiles + 1) * sizeof *runs);
  for (size_t i = 0; i < nfiles; i++) {
    size_t a = dir_len(files[i].path);
    if (i == 0 || i - runs[nruns - 1] >= RUN_FILES || a != dir_len(files[i - 1].path) || strncmp(files[i].path, files[i - 1].path, a) != 0) runs[nruns++] = i;
  }
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (size_t i = 0; i < ndirs; i++)
    if (mkdirat(rootfd, dirs[i], 0755) != 0) die("mkdir", dirs[i]);
  pthread_t th[64];
  for (int t = 0; t < threads; t++) pthread_create(&th[t], NULL, writer, NULL);
  for (int t = 0; t < threads; t++) pthread_join(th[t], NULL);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  printf("%.3f\n", (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);
  return 0;
}
