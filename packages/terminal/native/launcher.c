/*
 * orchflow-launch: the native form of the launcher every terminal process is exec'd through
 * (see src/containment/launcher.ts, which builds its argv and holds the perl form used where this
 * was not compiled). In one process that keeps its pid, session and process group it
 *   1. joins the terminal's cgroups (writes `0`, itself, to each file given: a v1 hierarchy's
 *      `tasks`, which moves this one thread without the kernel's cgroup-wide migration lock, or
 *      a v2 `cgroup.procs`);
 *   2. marks every fd above 2 close-on-exec (close_range, else each fd listed in /proc/self/fd);
 *   3. installs the seccomp filter it is given (setting no_new_privs first when not root);
 *   4. restores the variables the orchestrator stashed (ORCHFLOW_LAUNCH_STASH_<NAME>: LD_*,
 *      PERL*, ... which a dynamically linked launcher would act on before step 2) and execs the
 *      rest of its argv (searched in PATH when it has no slash, like perl's exec).
 * argv: <filter as hex, or ""> <n> <n tasks or cgroup.procs paths> <program> <args...>
 * Any failure prints `orchflow-launch: ...` and exits 126 before the program runs.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#define CLOSE_RANGE_CLOEXEC_FLAG 4

static void fail(const char *format, ...) {
  va_list args;
  va_start(args, format);
  fputs("orchflow-launch: ", stderr);
  vfprintf(stderr, format, args);
  fputc('\n', stderr);
  va_end(args);
  exit(126);
}

/* `0` is the writer itself: its thread in `tasks`, its process in `cgroup.procs`. This program
   never starts a thread, so either moves all of it. */
static void join_cgroup(const char *file) {
  int fd = open(file, O_WRONLY | O_CLOEXEC);
  if (fd < 0) fail("cannot join cgroup %s: %s", file, strerror(errno));
  if (write(fd, "0\n", 2) != 2) fail("cannot join cgroup %s: %s", file, strerror(errno));
  if (close(fd) != 0) fail("cannot join cgroup %s: %s", file, strerror(errno));
}

/* Kernels before 5.11 have no CLOSE_RANGE_CLOEXEC: close each inherited fd instead. */
static void close_inherited(void) {
  if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC_FLAG) == 0) return;
  DIR *dir = opendir("/proc/self/fd");
  if (!dir) fail("cannot list /proc/self/fd: %s", strerror(errno));
  int own = dirfd(dir);
  struct dirent *entry;
  while ((entry = readdir(dir)) != NULL) {
    char *end;
    long fd = strtol(entry->d_name, &end, 10);
    if (*entry->d_name == '\0' || *end != '\0') continue;
    if (fd > 2 && fd != own) fcntl((int)fd, F_SETFD, FD_CLOEXEC);
  }
  closedir(dir);
}

static int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static void install_filter(const char *hex) {
  size_t length = strlen(hex);
  size_t bytes = length / 2;
  if (length % 2 != 0 || bytes == 0 || bytes % sizeof(struct sock_filter) != 0 ||
      bytes / sizeof(struct sock_filter) > BPF_MAXINSNS)
    fail("the seccomp filter argument is not a whole program");
  unsigned char *program = malloc(bytes);
  if (!program) fail("out of memory");
  for (size_t i = 0; i < bytes; i++) {
    int high = hex_digit(hex[2 * i]), low = hex_digit(hex[2 * i + 1]);
    if (high < 0 || low < 0) fail("the seccomp filter argument is not hex");
    program[i] = (unsigned char)(high << 4 | low);
  }
  /* The wire format is the host's struct sock_filter (little-endian on the arches supported). */
  struct sock_fprog fprog = {
    .len = (unsigned short)(bytes / sizeof(struct sock_filter)),
    .filter = (struct sock_filter *)program,
  };
  /* The kernel takes a filter from a process with CAP_SYS_ADMIN or no_new_privs; root in a
     container usually lacks the capability, so root sets no_new_privs when refused. */
  if (getuid() != 0 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
    fail("cannot set no_new_privs: %s", strerror(errno));
  if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog) != 0) {
    if (errno != EACCES || getuid() != 0) fail("cannot install the seccomp filter: %s", strerror(errno));
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) fail("cannot set no_new_privs: %s", strerror(errno));
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog) != 0)
      fail("cannot install the seccomp filter: %s", strerror(errno));
  }
  free(program);
}

#define STASH_PREFIX "ORCHFLOW_LAUNCH_STASH_"

/* Moves each ORCHFLOW_LAUNCH_STASH_<NAME>=value back to <NAME>=value. */
static void restore_stashed(void) {
  extern char **environ;
  size_t prefix = strlen(STASH_PREFIX);
  for (;;) {
    char *found = NULL;
    for (char **entry = environ; *entry; entry++) {
      if (strncmp(*entry, STASH_PREFIX, prefix) == 0 && strchr(*entry + prefix, '=') > *entry + prefix) {
        found = *entry;
        break;
      }
    }
    if (!found) return;
    char *stashed = strdup(found);
    if (!stashed) fail("out of memory");
    char *equals = strchr(stashed, '=');
    *equals = '\0';
    if (unsetenv(stashed) != 0 || setenv(stashed + prefix, equals + 1, 1) != 0)
      fail("cannot restore %s: %s", stashed + prefix, strerror(errno));
    free(stashed);
  }
}

/* The four steps and the exec; returns only by exiting 126. orchflow-spawner (spawner.c) includes
   this file and runs it in the child it forked, saving a terminal's shell one exec. */
static int launch(int argc, char **argv) {
  if (argc < 4) fail("usage: orchflow-launch FILTER N [CGROUP-FILE...] PROGRAM [ARGS...]");
  char *end;
  errno = 0;
  long n = strtol(argv[2], &end, 10);
  if (errno != 0 || *argv[2] == '\0' || *end != '\0' || n < 0 || n > argc - 4)
    fail("bad cgroup count %s", argv[2]);
  for (long i = 0; i < n; i++) join_cgroup(argv[3 + i]);
  close_inherited();
  if (argv[1][0] != '\0') install_filter(argv[1]);
  restore_stashed();
  char **target = argv + 3 + n;
  execvp(target[0], target);
  fail("cannot run %s: %s", target[0], strerror(errno));
  return 126;
}

#ifndef ORCHFLOW_LAUNCH_NO_MAIN
int main(int argc, char **argv) { return launch(argc, argv); }
#endif
