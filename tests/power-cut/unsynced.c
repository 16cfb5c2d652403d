/*
 * A power cut for the power-cut test (crates/porchlight/tests/suite/power_cut.rs), loaded into
 * `porchlight serve` with LD_PRELOAD.
 *
 * A disk keeps only what was synced: a write the program has not yet fsync'd may be lost when
 * the power goes, wholly or in part. This interposer records, before each write to the camp's
 * database files (porchlight.db and its -wal or -journal), the bytes and the size it is about to
 * replace, appended to "<file>.undo"; an fsync or fdatasync of the file forgets them (the disk
 * has them now). After PL_CUT_AFTER such writes it cuts the power: it kills the process with
 * SIGKILL in the middle of the next write, half of which lands first when PL_CUT_TORN=1. The
 * test then plays the undo records back, newest first, to lose every unsynced write (or all but
 * an oldest few, as a disk that had written some of its cache), and starts the camp again.
 *
 * The -shm file is left alone: it is the WAL's index, which SQLite rebuilds after a crash.
 *
 * Environment: PL_CUT_DIR (the data folder), PL_CUT_AFTER (writes before the cut),
 * PL_CUT_TORN (1: the cut write lands half-way).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*real_pwrite64)(int, const void *, size_t, off_t);
static int (*real_ftruncate)(int, off_t);
static int (*real_ftruncate64)(int, off_t);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static const char *dir;
static size_t dir_len;
static long writes_left = -1;
static int torn;

__attribute__((constructor)) static void setup(void) {
    real_write = dlsym(RTLD_NEXT, "write");
    real_pwrite = dlsym(RTLD_NEXT, "pwrite");
    real_pwrite64 = dlsym(RTLD_NEXT, "pwrite64");
    real_ftruncate = dlsym(RTLD_NEXT, "ftruncate");
    real_ftruncate64 = dlsym(RTLD_NEXT, "ftruncate64");
    real_fsync = dlsym(RTLD_NEXT, "fsync");
    real_fdatasync = dlsym(RTLD_NEXT, "fdatasync");
    dir = getenv("PL_CUT_DIR");
    dir_len = dir ? strlen(dir) : 0;
    const char *after = getenv("PL_CUT_AFTER");
    writes_left = after ? atol(after) : -1;
    const char *t = getenv("PL_CUT_TORN");
    torn = t && t[0] == '1';
}

/* Whether `fd` is one of the camp's database files; its path goes into `path`. */
static int tracked(int fd, char *path, size_t cap) {
    if (!dir || dir_len == 0) return 0;
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, cap - 1);
    if (n <= 0) return 0;
    path[n] = 0;
    if (strncmp(path, dir, dir_len) != 0 || path[dir_len] != '/') return 0;
    const char *base = path + dir_len + 1;
    if (strchr(base, '/')) return 0;
    if (strcmp(base, "porchlight.db") == 0) return 1;
    return strcmp(base, "porchlight.db-wal") == 0 || strcmp(base, "porchlight.db-journal") == 0;
}

static void write_all(int fd, const void *buf, size_t len) {
    const char *p = buf;
    while (len > 0) {
        ssize_t n = real_write(fd, p, len);
        if (n <= 0) abort();
        p += n;
        len -= (size_t)n;
    }
}

/* Appends an undo record: the range [offset, offset + len) is about to change, and the file is
 * `size` bytes long now. Record: offset, count of old bytes kept, old size (u64 each), then the
 * old bytes that lay in the range. */
static void remember(int fd, const char *path, off_t offset, size_t len) {
    struct stat st;
    if (fstat(fd, &st) != 0) abort();
    uint64_t size = (uint64_t)st.st_size;
    uint64_t keep = 0;
    if ((uint64_t)offset < size) {
        keep = size - (uint64_t)offset;
        if (keep > len) keep = len;
    }
    char *old = malloc(keep ? keep : 1);
    for (uint64_t got = 0; got < keep;) {
        ssize_t n = pread(fd, old + got, keep - got, offset + (off_t)got);
        if (n <= 0) abort();
        got += (uint64_t)n;
    }
    char undo[4200];
    snprintf(undo, sizeof undo, "%s.undo", path);
    int u = open(undo, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (u < 0) abort();
    uint64_t head[3] = {(uint64_t)offset, keep, size};
    write_all(u, head, sizeof head);
    write_all(u, old, keep);
    close(u);
    free(old);
}

/* Counts a write to a tracked file; at the chosen one, the power goes. */
static void maybe_cut(int fd, const void *buf, size_t len, off_t offset, int positioned) {
    if (writes_left < 0) return;
    if (writes_left-- > 0) return;
    if (torn && buf && len > 1) {
        if (positioned) real_pwrite64(fd, buf, len / 2, offset);
        else real_write(fd, buf, len / 2);
    }
    kill(getpid(), SIGKILL);
    for (;;) pause();
}

static ssize_t positioned_write(ssize_t (*real)(int, const void *, size_t, off_t), int fd,
                                const void *buf, size_t len, off_t offset) {
    char path[4096];
    pthread_mutex_lock(&lock);
    if (tracked(fd, path, sizeof path)) {
        remember(fd, path, offset, len);
        maybe_cut(fd, buf, len, offset, 1);
    }
    ssize_t n = real(fd, buf, len, offset);
    pthread_mutex_unlock(&lock);
    return n;
}

ssize_t pwrite(int fd, const void *buf, size_t len, off_t offset) {
    return positioned_write(real_pwrite, fd, buf, len, offset);
}

ssize_t pwrite64(int fd, const void *buf, size_t len, off_t offset) {
    return positioned_write(real_pwrite64, fd, buf, len, offset);
}

ssize_t write(int fd, const void *buf, size_t len) {
    char path[4096];
    /* Only regular files can be tracked: skip sockets and pipes without a lookup. */
    struct stat st;
    if (!dir || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return real_write(fd, buf, len);
    pthread_mutex_lock(&lock);
    if (tracked(fd, path, sizeof path)) {
        off_t at = lseek(fd, 0, SEEK_CUR);
        remember(fd, path, at, len);
        maybe_cut(fd, buf, len, at, 1);
    }
    ssize_t n = real_write(fd, buf, len);
    pthread_mutex_unlock(&lock);
    return n;
}

static int truncate_to(int (*real)(int, off_t), int fd, off_t length) {
    char path[4096];
    pthread_mutex_lock(&lock);
    if (tracked(fd, path, sizeof path)) {
        struct stat st;
        if (fstat(fd, &st) != 0) abort();
        if (length < st.st_size) remember(fd, path, length, (size_t)(st.st_size - length));
        else remember(fd, path, st.st_size, 0);
        maybe_cut(fd, NULL, 0, 0, 0);
    }
    int r = real(fd, length);
    pthread_mutex_unlock(&lock);
    return r;
}

int ftruncate(int fd, off_t length) { return truncate_to(real_ftruncate, fd, length); }
int ftruncate64(int fd, off_t length) { return truncate_to(real_ftruncate64, fd, length); }

/* A sync puts the file's writes on the disk: their undo records are forgotten. (Under the lock,
 * so that no cut falls between the sync and the forgetting.) */
static int sync_file(int (*real)(int), int fd) {
    char path[4096];
    pthread_mutex_lock(&lock);
    int r = real(fd);
    if (r == 0 && tracked(fd, path, sizeof path)) {
        char undo[4200];
        snprintf(undo, sizeof undo, "%s.undo", path);
        unlink(undo);
    }
    pthread_mutex_unlock(&lock);
    return r;
}

int fsync(int fd) { return sync_file(real_fsync, fd); }
int fdatasync(int fd) { return sync_file(real_fdatasync, fd); }
