/* A disk whose flushes are slow, for bench/submit: every fsync and fdatasync of the process it is
 * preloaded into (SQLite's own and the app's) first sleeps SLOW_FLUSH_US microseconds. Cloud block
 * storage often takes 1 to 10 ms to flush, where this machine's disk takes about 0.2 ms.
 *
 *   gcc -shared -fPIC -O2 -o /tmp/slow_flush.so bench/slow_flush.c -ldl
 *   LD_PRELOAD=/tmp/slow_flush.so SLOW_FLUSH_US=2000 .venv/bin/python bench/submit --count 1000 --rounds 2
 *
 * Flushes made at the same time sleep at the same time, as if the device served them with one flush:
 * a real disk merges some of them and not all, so read its figures as a bound, not a forecast. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <time.h>

static void wait_for_the_disk(void) {
    const char *setting = getenv("SLOW_FLUSH_US");
    long microseconds = setting ? atol(setting) : 0;
    if (microseconds > 0) {
        struct timespec pause = {microseconds / 1000000, (microseconds % 1000000) * 1000};
        nanosleep(&pause, NULL);
    }
}

int fdatasync(int fd) {
    static int (*flush)(int);
    if (!flush) flush = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
    wait_for_the_disk();
    return flush(fd);
}

int fsync(int fd) {
    static int (*flush)(int);
    if (!flush) flush = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    wait_for_the_disk();
    return flush(fd);
}
