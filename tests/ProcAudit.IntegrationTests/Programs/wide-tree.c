/* wide-tree N [shared]: forks N children that each make a pipe of their own and sleep in pause();
 * the parent then waits for them. With "shared", every child also keeps the write end of one pipe
 * the parent blocks reading, so the parent waits on a pipe with N holders. Used by the scale test
 * and bench/scale.sh. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 2000;
    int shared = argc > 2 && strcmp(argv[2], "shared") == 0;
    int common[2];
    if (pipe(common) != 0) { perror("pipe"); return 1; }
    for (int i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid < 0) { perror("fork"); break; }
        if (pid == 0) {
            int own[2];
            close(common[0]);
            if (!shared) close(common[1]);
            if (pipe(own) != 0) _exit(1);
            for (;;) pause();
        }
    }
    close(common[1]);
    if (shared) {
        char c;
        /* Blocks until every child has gone: none of them writes. */
        (void)read(common[0], &c, 1);
    }
    while (wait(NULL) > 0) {}
    return 0;
}
