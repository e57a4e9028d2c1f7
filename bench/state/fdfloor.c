/*
 * fdfloor: the floor of a machine-wide holder scan in C, and the fd census of bench-run.sh.
 * Lists /proc, lists every /proc/PID/fd and readlinks every fd; nothing else.
 * Prints "PROCESSES FDS PIPES SOCKETS" (pids with a readable fd directory count as processes;
 * kernel threads have an empty one and count too).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int numeric(const char *s)
{
    if (!*s) return 0;
    for (; *s; s++) if (*s < '0' || *s > '9') return 0;
    return 1;
}

int main(void)
{
    long procs = 0, fds = 0, pipes = 0, sockets = 0;
    DIR *proc = opendir("/proc");
    if (!proc) { perror("/proc"); return 1; }
    struct dirent *p;
    char path[600], target[4096];
    while ((p = readdir(proc))) {
        if (!numeric(p->d_name)) continue;
        snprintf(path, sizeof path, "/proc/%s/fd", p->d_name);
        DIR *fd = opendir(path);
        if (!fd) continue;
        procs++;
        struct dirent *f;
        while ((f = readdir(fd))) {
            if (!numeric(f->d_name)) continue;
            snprintf(path, sizeof path, "/proc/%s/fd/%s", p->d_name, f->d_name);
            ssize_t n = readlink(path, target, sizeof target);
            if (n < 0) continue;
            fds++;
            if (n > 5 && memcmp(target, "pipe:", 5) == 0) pipes++;
            else if (n > 7 && memcmp(target, "socket:", 7) == 0) sockets++;
        }
        closedir(fd);
    }
    closedir(proc);
    printf("%ld %ld %ld %ld\n", procs, fds, pipes, sockets);
    return 0;
}
