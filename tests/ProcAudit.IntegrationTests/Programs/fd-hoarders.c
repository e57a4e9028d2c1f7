/* fd-hoarders TOTAL [apart]: the root reads a pipe whose write end only orphans outside its tree
 * hold; between them the orphans hold TOTAL descriptors (dups of /dev/null), as many per process
 * as RLIMIT_NOFILE allows, so an audit's holder scan has TOTAL more fds to read. With "apart" the
 * hoarders close the pipe and one more small orphan alone holds it. Used by the scale test and
 * bench/scale.sh. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
    long total = argc > 1 ? atol(argv[1]) : 100000;
    int apart = argc > 2 && strcmp(argv[2], "apart") == 0;
    struct rlimit lim;
    getrlimit(RLIMIT_NOFILE, &lim);
    /* Raising the soft limit to the hard one needs no privilege. */
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
    long per = (long)lim.rlim_cur - 64;
    if (per < 1) return 1;
    int p[2];
    if (pipe(p) != 0) { perror("pipe"); return 1; }
    pid_t middle = fork();
    if (middle == 0) {
        /* The middle process exits at once, so the hoarders are orphans outside the root's tree. */
        for (long left = total; left > 0; left -= per) {
            if (fork() == 0) {
                close(p[0]);
                if (apart) close(p[1]);
                int null = open("/dev/null", O_RDONLY);
                for (long i = 1; i < (left < per ? left : per); i++) {
                    if (dup(null) < 0) { perror("dup"); break; }
                }
                for (;;) pause();
            }
        }
        if (apart && fork() == 0) {
            close(p[0]);
            for (;;) pause();
        }
        _exit(0);
    }
    close(p[1]);
    waitpid(middle, NULL, 0);
    char c;
    (void)read(p[0], &c, 1);
    return 0;
}
