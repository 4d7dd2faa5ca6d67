/* mb-run: runs one command as its parent, reports wall time and rusage, and leaves nothing of it running.
 *
 * Why a separate tiny process: a child's ru_maxrss includes the pages of the
 * process that forked it (Linux keeps the pre-exec high-water mark), so a tool
 * spawned straight from Bun reports Bun's RSS. Forked from this ~1 MB process,
 * the tool's figure is its own. Timing here also keeps Bun's spawn cost out of
 * the timed window, as hyperfine's parent-side timing does.
 *
 * Containment. Linux: mb-run is the subreaper of the tool's tree (PR_SET_CHILD_SUBREAPER), so whatever
 * the tool starts stays below it even after setsid or a double fork. After the tool exits (the clock has
 * stopped by then) every remaining descendant is SIGKILLed and reaped, until none is left, and counted.
 * SIGTERM, SIGINT and SIGHUP (the harness's timeout or Ctrl-C) kill the tool and then the rest the same
 * way. PR_SET_PDEATHSIG turns the harness's death, even by SIGKILL, into a SIGTERM here.
 * Elsewhere (macOS): no subreaper and no parent-death signal. The tool gets its own process group, which
 * is SIGKILLed after the tool exits or on a signal; a setsid escape is out of reach and the number killed
 * is not known (reported as -1).
 *
 * usage: mb-run [--syncfs DIR] REPORT_FILE CMD [ARGS...]
 * REPORT_FILE receives one line:
 *   wall_ns maxrss_bytes utime_us stime_us exit_code term_signal strays_killed [durable_ns syncfs_errno]
 * exit_code is -1 when the command was killed by a signal.
 *
 * --syncfs DIR (Linux): the instant the tool is reaped, syncfs(2) the file system that holds DIR (every dirty
 * inode written back, the device cache flushed) and take the time again on the same clock: durable_ns is
 * spawn → flushed, wall_ns spawn → reaped, so "returned" and "durable" share one clock and no gap lies
 * between them. durable_ns is -1 and syncfs_errno the error when the flush failed (ENOSYS off Linux).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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
#ifdef __linux__
#include <sys/prctl.h>
#endif

extern char **environ;

static volatile sig_atomic_t stop_signal = 0;
static volatile sig_atomic_t tool_pid = 0;

/* Kills the tool right here (kill is async-signal-safe), so a stop can never slip in between a check and
 * the blocking wait4 below; set before tool_pid is known, it is acted on right after the spawn. */
static void on_stop(int sig) {
  stop_signal = sig;
#ifdef __linux__
  if (tool_pid > 0) kill((pid_t)tool_pid, SIGKILL); /* its descendants come to us when it dies */
#else
  if (tool_pid > 0) kill(-(pid_t)tool_pid, SIGKILL);
#endif
}

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

#ifdef __linux__
/* Process state letter from /proc/PID/stat ('Z' = exited, not yet reaped); 0 when gone. */
static char proc_state(long pid, long *ppid) {
  char path[64], buf[512];
  snprintf(path, sizeof path, "/proc/%ld/stat", pid);
  FILE *f = fopen(path, "r");
  if (!f) return 0;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  char *rp = strrchr(buf, ')'); /* the command name may hold spaces and parentheses */
  char state = 0;
  long pp = 0;
  if (!rp || sscanf(rp + 2, "%c %ld", &state, &pp) != 2) return 0;
  if (ppid) *ppid = pp;
  return state;
}

/* Our children: the tool's orphans land here, as we are their subreaper. */
static int children(long *out, int max) {
  char path[64];
  int n = 0;
  snprintf(path, sizeof path, "/proc/self/task/%d/children", (int)getpid());
  FILE *f = fopen(path, "r");
  if (f) {
    while (n < max && fscanf(f, "%ld", &out[n]) == 1) n++;
    fclose(f);
    return n;
  }
  DIR *d = opendir("/proc"); /* kernels without CONFIG_PROC_CHILDREN: look for PPid == us */
  if (!d) return 0;
  struct dirent *e;
  while (n < max && (e = readdir(d))) {
    char *end;
    long pid = strtol(e->d_name, &end, 10), ppid = 0;
    if (*end == 0 && pid > 0 && proc_state(pid, &ppid) && ppid == (long)getpid()) out[n++] = pid;
  }
  closedir(d);
  return n;
}

/* SIGKILLs and reaps every descendant until none is left; returns how many were still running. */
static int kill_descendants(void) {
  static long seen[4096];
  int nseen = 0, killed = 0;
  for (;;) {
    long kids[256];
    int n = children(kids, 256), pending = 0;
    for (int i = 0; i < n; i++) {
      char st = proc_state(kids[i], NULL);
      if (st == 'Z') { pending++; continue; }
      if (st == 0 || kill((pid_t)kids[i], SIGKILL) != 0) continue;
      pending++;
      int known = 0;
      for (int j = 0; j < nseen && !known; j++) known = seen[j] == kids[i];
      if (!known) {
        killed++;
        if (nseen < 4096) seen[nseen++] = kids[i];
      }
    }
    if (!pending) break; /* nothing left that we can kill or reap */
    /* Reaping a killed child hands us its own children (reparented before it became a zombie). */
    if (waitpid(-1, NULL, 0) < 0 && errno == ECHILD) break;
  }
  while (waitpid(-1, NULL, WNOHANG) > 0) {}
  return killed;
}
#endif

/* syncfs(2) of the file system holding dir; 0 or the errno. */
static int flush_fs(const char *dir) {
#ifdef __linux__
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno;
  int rc = syncfs(fd) == 0 ? 0 : errno;
  close(fd);
  return rc;
#else
  (void)dir;
  return ENOSYS;
#endif
}

int main(int argc, char **argv) {
  const char *syncfs_dir = NULL;
  if (argc >= 3 && strcmp(argv[1], "--syncfs") == 0) {
    syncfs_dir = argv[2];
    argv += 2;
    argc -= 2;
  }
  if (argc < 3) {
    fprintf(stderr, "usage: mb-run [--syncfs DIR] REPORT_FILE CMD [ARGS...]\n");
    return 125;
  }
  FILE *report = fopen(argv[1], "w");
  if (!report) {
    fprintf(stderr, "mb-run: cannot open %s: %s\n", argv[1], strerror(errno));
    return 125;
  }
  /* Own process group, so the harness can still kill the tree as one if mb-run stops answering. */
  setpgid(0, 0);

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_stop; /* no SA_RESTART: a stop interrupts the reaping loop's waitpid */
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);

  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
#ifdef __linux__
  pid_t parent = getppid();
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  /* Fires when the thread that spawned us exits: the harness spawns from its main thread. */
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() != parent) stop_signal = SIGTERM; /* the harness died before we asked */
#else
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP); /* pgroup 0: the tool leads its own group */
#endif
  if (stop_signal) return 125;

  /* posix_spawn (vfork-like) rather than fork: on small VMs a fork of even this tiny process
   * costs ~3 ms, which would land inside the timed window (measured: 5.5 ms vs 2.4 ms for `true`). */
  long long t0 = now_ns();
  pid_t pid;
  int err = posix_spawnp(&pid, argv[2], NULL, &attr, argv + 2, environ);
  if (err != 0) {
    fprintf(stderr, "mb-run: cannot run %s: %s\n", argv[2], strerror(err));
    fprintf(report, "%lld 0 0 0 127 0 0\n", now_ns() - t0);
    fclose(report);
    return 127;
  }
  tool_pid = pid;
  if (stop_signal) on_stop(stop_signal);
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
  tool_pid = 0; /* reaped: its pid may be reused */
  long long durable = -1;
  int flush_errno = 0;
  if (syncfs_dir) {
    flush_errno = flush_fs(syncfs_dir);
    if (flush_errno == 0) durable = now_ns() - t0;
  }

#ifdef __linux__
  int strays = kill_descendants();
#else
  int strays = kill(-pid, SIGKILL) == 0 ? -1 : 0; /* the group outlived its leader: some were left, count unknown */
  while (waitpid(-1, NULL, WNOHANG) > 0) {}
#endif

#ifdef __APPLE__
  long long maxrss_bytes = (long long)ru.ru_maxrss; /* bytes on macOS */
#else
  long long maxrss_bytes = (long long)ru.ru_maxrss * 1024LL; /* KiB on Linux */
#endif
  long long utime_us = (long long)ru.ru_utime.tv_sec * 1000000LL + ru.ru_utime.tv_usec;
  long long stime_us = (long long)ru.ru_stime.tv_sec * 1000000LL + ru.ru_stime.tv_usec;
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  if (syncfs_dir)
    fprintf(report, "%lld %lld %lld %lld %d %d %d %lld %d\n", wall, maxrss_bytes, utime_us, stime_us, code, sig, strays, durable, flush_errno);
  else
    fprintf(report, "%lld %lld %lld %lld %d %d %d\n", wall, maxrss_bytes, utime_us, stime_us, code, sig, strays);
  fclose(report);
  return code >= 0 ? code : 128 + sig;
}
