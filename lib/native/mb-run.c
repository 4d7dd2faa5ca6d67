/* mb-run: runs one command as its parent and reports wall time and rusage.
 *
 * Why a separate tiny process: a child's ru_maxrss includes the pages of the
 * process that forked it (Linux keeps the pre-exec high-water mark), so a tool
 * spawned straight from Bun reports Bun's RSS. Forked from this ~1 MB process,
 * the tool's figure is its own. Timing here also keeps Bun's spawn cost out of
 * the timed window, as hyperfine's parent-side timing does.
 *
 * usage: mb-run REPORT_FILE CMD [ARGS...]
 * REPORT_FILE receives one line:
 *   wall_ns maxrss_bytes utime_us stime_us exit_code term_signal
 * exit_code is -1 when the command was killed by a signal.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: mb-run REPORT_FILE CMD [ARGS...]\n");
    return 125;
  }
  FILE *report = fopen(argv[1], "w");
  if (!report) {
    fprintf(stderr, "mb-run: cannot open %s: %s\n", argv[1], strerror(errno));
    return 125;
  }
  /* Own process group, so the harness can kill the whole tree on timeout. */
  setpgid(0, 0);

  /* posix_spawn (vfork-like) rather than fork: on small VMs a fork of even this tiny process
   * costs ~3 ms, which would land inside the timed window (measured: 5.5 ms vs 2.4 ms for `true`). */
  long long t0 = now_ns();
  pid_t pid;
  int err = posix_spawnp(&pid, argv[2], NULL, NULL, argv + 2, environ);
  if (err != 0) {
    fprintf(stderr, "mb-run: cannot run %s: %s\n", argv[2], strerror(err));
    fprintf(report, "%lld 0 0 0 127 0\n", now_ns() - t0);
    fclose(report);
    return 127;
  }
  int status = 0;
  struct rusage ru;
  memset(&ru, 0, sizeof ru);
  while (wait4(pid, &status, 0, &ru) < 0) {
    if (errno != EINTR) {
      fprintf(stderr, "mb-run: wait4: %s\n", strerror(errno));
      return 125;
    }
  }
  long long wall = now_ns() - t0;

#ifdef __APPLE__
  long long maxrss_bytes = (long long)ru.ru_maxrss; /* bytes on macOS */
#else
  long long maxrss_bytes = (long long)ru.ru_maxrss * 1024LL; /* KiB on Linux */
#endif
  long long utime_us = (long long)ru.ru_utime.tv_sec * 1000000LL + ru.ru_utime.tv_usec;
  long long stime_us = (long long)ru.ru_stime.tv_sec * 1000000LL + ru.ru_stime.tv_usec;
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  fprintf(report, "%lld %lld %lld %lld %d %d\n", wall, maxrss_bytes, utime_us, stime_us, code, sig);
  fclose(report);
  return code >= 0 ? code : 128 + sig;
}
