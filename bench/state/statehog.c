/*
 * statehog: builds a synthetic machine state for the ProcAudit benchmarks (issue 9).
 *
 *   statehog UNITS PAD_PIPES STATE_DIR
 *
 * Forks a keeper (its own session, child subreaper, stdio on /dev/null) that starts UNITS units.
 * Each unit is a tree of 7 processes in its own session (and process group, pgid = sid = the
 * unit's root pid), all blocked the way hung builds are:
 *
 *   pa-unit      root: reads its child's stdout (pipe OUT) until EOF            -> read, empty pipe
 *   pa-writer    child: writes 256 KiB to its stderr (pipe ERR) first           -> write, full pipe
 *                (pipe-order-inversion: a deadlock cycle root <-> writer)
 *   pa-fullwrite writes 256 KiB into pipe F, whose only reader never reads      -> write, full pipe
 *   pa-idleread  holds F's read end unread; blocks reading empty pipe E         -> read, empty pipe
 *   pa-sleeper   holds E's write end; TCP client that sent 32 KiB, never closes -> pause
 *   pa-server    TCP listener on 127.0.0.1; accepted the client, never reads    -> accept
 *                (32 KiB queued in Recv-Q)
 *   pa-poller    unix socketpair with 8 KiB queued; epoll_wait on an empty pipe -> epoll_wait
 *
 * Every process also holds PAD_PIPES idle pipes (both ends), one unix socketpair and /dev/null
 * on 0, 1, 2 and one more fd: 3 + 2*PAD_PIPES + 3 fds, plus its role's own (1 to 4).
 * With PAD_PIPES = 8 a unit is 7 processes and about 160 fds.
 *
 * Writes STATE_DIR/keeper.pid, STATE_DIR/pgids (one unit pgid per line) and prints the root pid
 * of unit 0 on stdout once every process of every unit has reached the point where it blocks.
 * The keeper reaps everything and exits when all units are gone (bench/clear-state.sh kills
 * them by process group, then the keeper).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static int g_ready = -1; /* write end of the readiness pipe, closed once signalled */
static int g_pad = 8;

static void die(const char *what)
{
    perror(what);
    _exit(111);
}

static void name(const char *comm) { prctl(PR_SET_NAME, comm, 0, 0, 0); }

/* The idle fds every process holds, like a real process holds files, pipes and sockets. */
static void pad(void)
{
    for (int i = 0; i < g_pad; i++) {
        int p[2];
        if (pipe(p) != 0) die("pipe (pad)");
    }
    int s[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, s) != 0) die("socketpair (pad)");
    if (open("/dev/null", O_RDONLY) < 0) die("open /dev/null");
}

/* Tells the keeper this process is about to block, then forgets the readiness pipe. */
static void ready(void)
{
    char c = 'r';
    if (write(g_ready, &c, 1) != 1) die("write ready");
    close(g_ready);
    g_ready = -1;
}

static void write_forever(int fd, size_t total)
{
    static char chunk[65536];
    memset(chunk, 'x', sizeof chunk);
    ready();
    for (size_t done = 0; done < total;) {
        ssize_t n = write(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        done += (size_t)n;
    }
    for (;;) pause();
}

static void close_except(int *keep, int nkeep, int *fds, int nfds)
{
    for (int i = 0; i < nfds; i++) {
        int k = 0;
        for (int j = 0; j < nkeep; j++) k |= keep[j] == fds[i];
        if (!k) close(fds[i]);
    }
}

static void unit(void)
{
    if (setsid() < 0) die("setsid");
    name("pa-unit");
    int out[2], err[2], f[2], e[2];
    if (pipe(out) || pipe(err) || pipe(f) || pipe(e)) die("pipe");
    int lsn = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = 0, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof addr;
    if (lsn < 0 || bind(lsn, (struct sockaddr *)&addr, sizeof addr) || listen(lsn, 4) || getsockname(lsn, (struct sockaddr *)&addr, &len))
        die("listen");
    int all[] = {out[0], out[1], err[0], err[1], f[0], f[1], e[0], e[1], lsn};
    int nall = sizeof all / sizeof all[0];

    if (fork() == 0) { /* pa-writer: stdout = OUT, stderr = ERR, writes stderr first */
        name("pa-writer");
        dup2(out[1], 1);
        dup2(err[1], 2);
        close_except(NULL, 0, all, nall);
        pad();
        write_forever(2, 256 * 1024);
    }
    if (fork() == 0) { /* pa-fullwrite: fills F, which nobody reads */
        name("pa-fullwrite");
        int keep[] = {f[1]};
        close_except(keep, 1, all, nall);
        pad();
        write_forever(f[1], 256 * 1024);
    }
    if (fork() == 0) { /* pa-idleread: holds F's read end, reads empty E forever */
        name("pa-idleread");
        int keep[] = {f[0], e[0]};
        close_except(keep, 2, all, nall);
        pad();
        ready();
        char buf[1];
        for (;;) if (read(e[0], buf, 1) == 0) pause();
    }
    if (fork() == 0) { /* pa-server: accepts one client, never reads it, waits in accept */
        name("pa-server");
        int keep[] = {lsn};
        close_except(keep, 1, all, nall);
        pad();
        int conn = accept4(lsn, NULL, NULL, SOCK_CLOEXEC);
        if (conn < 0) die("accept");
        ready();
        for (;;) accept4(lsn, NULL, NULL, SOCK_CLOEXEC);
    }
    if (fork() == 0) { /* pa-sleeper: holds E's write end, TCP client with 32 KiB sent */
        name("pa-sleeper");
        int keep[] = {e[1]};
        close_except(keep, 1, all, nall);
        pad();
        int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (c < 0 || connect(c, (struct sockaddr *)&addr, sizeof addr)) die("connect");
        static char data[32768];
        memset(data, 'y', sizeof data);
        for (size_t done = 0; done < sizeof data;) {
            ssize_t n = write(c, data + done, sizeof data - done);
            if (n <= 0) die("send");
            done += (size_t)n;
        }
        ready();
        for (;;) pause();
    }
    if (fork() == 0) { /* pa-poller: socketpair with queued data, epoll_wait on an empty pipe */
        name("pa-poller");
        close_except(NULL, 0, all, nall);
        pad();
        int s[2], g[2];
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, s) || pipe(g)) die("poller fds");
        static char data[8192];
        memset(data, 'z', sizeof data);
        if (write(s[0], data, sizeof data) != (ssize_t)sizeof data) die("socketpair write");
        int ep = epoll_create1(0);
        struct epoll_event ev = {.events = EPOLLIN, .data.fd = g[0]};
        if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, g[0], &ev)) die("epoll");
        ready();
        for (;;) epoll_wait(ep, &ev, 1, -1);
    }
    /* pa-unit: the parent that drains stdout to EOF before stderr. */
    int keep[] = {out[0], err[0]};
    close_except(keep, 2, all, nall);
    pad();
    ready();
    char buf[4096];
    while (read(out[0], buf, sizeof buf) != 0) {
    }
    for (;;) pause(); /* never reached while the writer lives */
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: statehog UNITS PAD_PIPES STATE_DIR\n");
        return 2;
    }
    int units = atoi(argv[1]);
    g_pad = atoi(argv[2]);
    const char *dir = argv[3];
    if (units <= 0 || g_pad < 0) {
        fprintf(stderr, "statehog: bad UNITS or PAD_PIPES\n");
        return 2;
    }
    int report[2]; /* keeper -> this process: the root pid of unit 0, or nothing on failure */
    if (pipe(report)) die("pipe");
    pid_t keeper = fork();
    if (keeper < 0) die("fork");
    if (keeper > 0) {
        close(report[1]);
        char buf[32] = {0};
        ssize_t n = read(report[0], buf, sizeof buf - 1);
        if (n <= 0) {
            fprintf(stderr, "statehog: the keeper failed before every unit was ready\n");
            return 1;
        }
        fputs(buf, stdout);
        return 0;
    }

    /* The keeper: holds no fd it did not open (a caller's shell may pass any), so neither do the units. */
    if (dup2(report[1], 3) != 3) die("dup2");
    report[1] = 3;
    if (syscall(SYS_close_range, 4, ~0U, 0) != 0) {
        for (int fd = 4; fd < 65536; fd++) close(fd);
    }
    setsid();
    name("pa-keeper");
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    int null = open("/dev/null", O_RDWR);
    char path[4096];
    snprintf(path, sizeof path, "%s/keeper.log", dir);
    int log = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    dup2(null, 0);
    dup2(null, 1);
    if (log >= 0) dup2(log, 2);
    close(null);
    snprintf(path, sizeof path, "%s/keeper.pid", dir);
    FILE *kp = fopen(path, "w");
    if (!kp) die("keeper.pid");
    fprintf(kp, "%d\n", getpid());
    fclose(kp);
    snprintf(path, sizeof path, "%s/pgids", dir);
    FILE *pg = fopen(path, "w");
    if (!pg) die("pgids");

    int rd[2];
    if (pipe(rd)) die("pipe");
    g_ready = rd[1];
    pid_t first = 0;
    for (int i = 0; i < units; i++) {
        pid_t u = fork();
        if (u < 0) die("fork unit");
        if (u == 0) {
            fclose(pg);
            close(rd[0]);
            close(report[1]);
            if (log >= 0) close(log);
            unit();
            _exit(0);
        }
        if (i == 0) first = u;
        fprintf(pg, "%d\n", u);
        fflush(pg); /* written as we go: an interrupted start still leaves every pgid to kill */
    }
    fclose(pg);
    close(rd[1]);
    long want = 7L * units, got = 0;
    char buf[4096];
    alarm(120); /* a unit that never gets ready must not hang the benchmark */
    while (got < want) {
        ssize_t n = read(rd[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) die("statehog: units died before they were ready");
        got += n;
    }
    alarm(0);
    close(rd[0]);
    char msg[32];
    int m = snprintf(msg, sizeof msg, "%d\n", first);
    if (write(report[1], msg, (size_t)m) != m) die("report");
    close(report[1]);
    /* Reap units and, as subreaper, their orphaned children, until none is left. */
    for (;;) {
        if (wait(NULL) < 0 && errno == ECHILD) break;
    }
    return 0;
}
