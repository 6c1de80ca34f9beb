/*
 * orchflow-spawner: starts terminal processes on PTY slaves for an orchestrating node process, so
 * that process never forks itself. A fork copies the page tables of the process that calls it, and
 * node-pty's fork of a node process with a few hundred MB of address space costs ~1-3 ms of that
 * process's CPU per terminal (plus a waiting thread per child); this program is a few hundred KB,
 * so its fork is cheap, and it waits for all its children from one loop.
 * See src/spawner/spawner.ts for the node side.
 *
 * Protocol (stdin, from node): one request per spawn, fields separated by NUL bytes:
 *   id, how, slave path, cwd, file, argc, argv[0..argc), envc, env[0..envc)
 * how is "exec" (exec file with argv) or "launch": argv is the launcher's (launcher.c), whose steps
 * (cgroups, fds, seccomp filter, stashed variables) the child runs itself before it execs the
 * program, instead of exec'ing orchflow-launch first — one exec less per terminal.
 * Replies (stdout, one line each):
 *   "P <id> <pid>"                the process runs (its exec succeeded)
 *   "E <id> <errno> <stage>"      it could not start; stage is what failed (open, ctty, chdir, exec)
 *   "X <pid> <wait status>"       a process it started ended (the raw status of waitpid)
 * It exits when its stdin closes (the node process is gone).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#define ORCHFLOW_LAUNCH_NO_MAIN
#include "launcher.c"

/* argv + environment of one spawn: Linux's own limit is lower; node checks it (spawner.ts). */
#define MAX_REQUEST (4u << 20)

extern char **environ;

static char *inbuf;
static size_t inlen;
static char **fields;
static size_t fields_cap;

static void reply(const char *line, size_t n) {
  while (n > 0) {
    ssize_t w = write(STDOUT_FILENO, line, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      _exit(0); /* node is gone */
    }
    line += w;
    n -= (size_t)w;
  }
}

/* The line discipline node-pty gives its PTYs, so a terminal behaves the same either way. */
static void set_termios(int fd) {
  struct termios t;
  memset(&t, 0, sizeof t);
  t.c_iflag = ICRNL | IXON | IXANY | IMAXBEL | BRKINT;
  t.c_oflag = OPOST | ONLCR;
  t.c_cflag = CREAD | CS8 | HUPCL;
  t.c_lflag = ICANON | ISIG | IEXTEN | ECHO | ECHOE | ECHOK | ECHOKE | ECHOCTL;
  t.c_cc[VEOF] = 4;
  t.c_cc[VEOL] = 0xff;
  t.c_cc[VEOL2] = 0xff;
  t.c_cc[VERASE] = 0x7f;
  t.c_cc[VWERASE] = 23;
  t.c_cc[VKILL] = 21;
  t.c_cc[VREPRINT] = 18;
  t.c_cc[VINTR] = 3;
  t.c_cc[VQUIT] = 0x1c;
  t.c_cc[VSUSP] = 26;
  t.c_cc[VSTART] = 17;
  t.c_cc[VSTOP] = 19;
  t.c_cc[VLNEXT] = 22;
  t.c_cc[VDISCARD] = 15;
  t.c_cc[VMIN] = 1;
  t.c_cc[VTIME] = 0;
  cfsetispeed(&t, B38400);
  cfsetospeed(&t, B38400);
  tcsetattr(fd, TCSANOW, &t);
}

struct failure {
  int err;
  int stage;
};

enum { STAGE_OPEN = 1, STAGE_CTTY, STAGE_CHDIR, STAGE_EXEC };

/* In the child: becomes the session leader of the PTY and execs `file`, or with no file runs the
   launcher's steps on argv (which exec its program); reports why not through `out`. A failing
   launcher step prints `orchflow-launch: ...` on the terminal and exits 126, as orchflow-launch does. */
static void child(int out, mode_t mask, const char *slave, const char *cwd, const char *file, int argc,
                  char **argv, char **envp) {
  struct failure f = {0, 0};
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  for (int s = 1; s < NSIG; s++) signal(s, SIG_DFL);
  umask(mask);
  setsid();
  int fd = open(slave, O_RDWR);
  if (fd < 0) {
    f = (struct failure){errno, STAGE_OPEN};
  } else if (ioctl(fd, TIOCSCTTY, 0) < 0) {
    f = (struct failure){errno, STAGE_CTTY};
  } else {
    set_termios(fd);
    dup2(fd, 0);
    dup2(fd, 1);
    dup2(fd, 2);
    if (fd > 2) close(fd);
    if (cwd[0] != '\0' && chdir(cwd) < 0) {
      f = (struct failure){errno, STAGE_CHDIR};
    } else {
      /* Nothing of this program's reaches the terminal's process; `out` closes on exec. */
      close_inherited();
      environ = envp;
      if (file == NULL) launch(argc, argv);
      execvp(file, argv);
      f = (struct failure){errno, STAGE_EXEC};
    }
  }
  while (write(out, &f, sizeof f) < 0 && errno == EINTR) {
  }
  _exit(127);
}

/* The fields of a request, and where its argv starts. */
enum { F_ID, F_HOW, F_SLAVE, F_CWD, F_FILE, F_ARGC, F_ARGV };

/* Parses one complete request at the start of inbuf; returns its length, 0 if it is incomplete. */
static size_t parse(size_t *nfields) {
  size_t n = 0, pos = 0, need = F_ARGV, envc_at = 0;
  while (n < need) {
    char *end = memchr(inbuf + pos, '\0', inlen - pos);
    if (end == NULL) return 0;
    if (n == fields_cap) {
      fields_cap = fields_cap ? 2 * fields_cap : 1024;
      fields = realloc(fields, fields_cap * sizeof *fields);
      if (fields == NULL) {
        fprintf(stderr, "orchflow-spawner: out of memory\n");
        exit(2);
      }
    }
    fields[n++] = inbuf + pos;
    pos = (size_t)(end - inbuf) + 1;
    if (n == F_ARGV) {
      envc_at = F_ARGV + strtoul(fields[F_ARGC], NULL, 10);
      need = envc_at + 1; /* through envc */
    } else if (envc_at != 0 && n == envc_at + 1) {
      need = n + strtoul(fields[envc_at], NULL, 10);
    }
  }
  *nfields = n;
  return pos;
}

/* The orchestrating process's umask now (it may have changed since it started this program), so
   its terminals get what node-pty's fork of it would have given them. */
static mode_t parent_umask(void) {
  mode_t mask = umask(022);
  umask(mask);
  char path[64], text[2048];
  snprintf(path, sizeof path, "/proc/%d/status", (int)getppid());
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return mask;
  ssize_t r = read(fd, text, sizeof text - 1);
  close(fd);
  if (r <= 0) return mask;
  text[r] = '\0';
  char *line = strstr(text, "\nUmask:");
  if (line != NULL) mask = (mode_t)strtoul(line + 7, NULL, 8);
  return mask;
}

static void spawn_one(size_t n) {
  size_t argc = strtoul(fields[F_ARGC], NULL, 10);
  size_t envc = n - F_ARGV - argc - 1;
  char **argv = calloc(argc + 1, sizeof *argv);
  char **envp = calloc(envc + 1, sizeof *envp);
  char line[128];
  int len;
  if (argv == NULL || envp == NULL) {
    fprintf(stderr, "orchflow-spawner: out of memory\n");
    exit(2);
  }
  memcpy(argv, fields + F_ARGV, argc * sizeof *argv);
  memcpy(envp, fields + F_ARGV + argc + 1, envc * sizeof *envp);
  int pipefd[2];
  struct failure f = {0, 0};
  pid_t pid = -1;
  mode_t mask = parent_umask();
  if (pipe2(pipefd, O_CLOEXEC) < 0) {
    f = (struct failure){errno, STAGE_EXEC};
  } else {
    pid = fork();
    if (pid == 0) {
      int launching = strcmp(fields[F_HOW], "launch") == 0;
      child(pipefd[1], mask, fields[F_SLAVE], fields[F_CWD], launching ? NULL : fields[F_FILE], (int)argc, argv, envp);
    }
    close(pipefd[1]);
    if (pid < 0) {
      f = (struct failure){errno, STAGE_EXEC};
    } else {
      /* End of file: the exec succeeded. Otherwise the child says why it did not. */
      ssize_t r;
      while ((r = read(pipefd[0], &f, sizeof f)) < 0 && errno == EINTR) {
      }
      if (r != (ssize_t)sizeof f) f = (struct failure){0, 0};
    }
    close(pipefd[0]);
  }
  static const char *stages[] = {"", "open", "ctty", "chdir", "exec"};
  if (f.stage == 0)
    len = snprintf(line, sizeof line, "P %.40s %d\n", fields[F_ID], (int)pid);
  else
    len = snprintf(line, sizeof line, "E %.40s %d %s\n", fields[F_ID], f.err, stages[f.stage]);
  reply(line, (size_t)len);
  free(argv);
  free(envp);
}

static void reap(void) {
  int status;
  pid_t pid;
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    char line[64];
    int len = snprintf(line, sizeof line, "X %d %d\n", (int)pid, status);
    reply(line, (size_t)len);
  }
}

/* Kernels before 5.9 have no close_range: close each fd /proc/self/fd lists (PTY masters of the
   orchestrating process have no close-on-exec and can be numbered far above 1024). */
static void close_all_from_3(void) {
  DIR *dir = opendir("/proc/self/fd");
  if (dir == NULL) {
    fprintf(stderr, "orchflow-spawner: cannot list /proc/self/fd: %s\n", strerror(errno));
    exit(2);
  }
  int own = dirfd(dir);
  struct dirent *entry;
  while ((entry = readdir(dir)) != NULL) {
    char *end;
    long fd = strtol(entry->d_name, &end, 10);
    if (*entry->d_name != '\0' && *end == '\0' && fd > 2 && fd != own) close((int)fd);
  }
  closedir(dir);
}

int main(void) {
  /* Only stdin, stdout and stderr are ours; whatever else the node process left open is not. */
  if (syscall(SYS_close_range, 3, ~0U, 0) != 0) close_all_from_3();
  signal(SIGPIPE, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, NULL);
  int sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
  inbuf = malloc(MAX_REQUEST);
  if (sfd < 0 || inbuf == NULL) {
    fprintf(stderr, "orchflow-spawner: cannot start: %s\n", strerror(errno));
    return 2;
  }
  struct pollfd polled[2] = {{STDIN_FILENO, POLLIN, 0}, {sfd, POLLIN, 0}};
  for (;;) {
    if (poll(polled, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return 2;
    }
    if (polled[1].revents & POLLIN) {
      struct signalfd_siginfo info;
      while (read(sfd, &info, sizeof info) > 0) {
      }
      reap();
    }
    if (polled[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      if (inlen == MAX_REQUEST) {
        fprintf(stderr, "orchflow-spawner: a request is larger than %u bytes\n", MAX_REQUEST);
        return 2;
      }
      ssize_t r = read(STDIN_FILENO, inbuf + inlen, MAX_REQUEST - inlen);
      if (r == 0) return 0;
      if (r < 0) {
        if (errno == EINTR || errno == EAGAIN) continue;
        return 2;
      }
      inlen += (size_t)r;
      size_t used, n;
      while (inlen > 0 && (used = parse(&n)) > 0) {
        spawn_one(n);
        memmove(inbuf, inbuf + used, inlen - used);
        inlen -= used;
      }
    }
  }
}
