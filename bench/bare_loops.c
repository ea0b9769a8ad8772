/*
 * bare_loops: the "bare C loop" baseline for the flood benchmark. For each flood kind it runs,
 * in plain pthreads and tight loops, the same system-call sequence per operation as memtorture's
 * flood op does, so that a flood worker's rate can be set against what the bare system calls
 * reach on the same host and kernel. Each kind's function mirrors workloads/floods/<kind>.cc:
 * the same calls, flags, socket addresses, name lengths and per-thread setup (done once, before
 * the loop), nothing more.
 *
 *   bare_loops KIND THREADS SECONDS [DIR]
 *
 * DIR: a scratch directory, needed by the kinds that work on files (dentry, rename); thread i
 * works in DIR/t<i>, which it creates and, at the end, removes with every file in it.
 *
 * Prints one line on stdout and exits 0:
 *   ops=<operations that succeeded> errors=<operations that failed> seconds=<wall seconds>
 * As in the flood worker (workloads/flood.cc), an operation counts either as an op or, when a
 * step fails, as an error, and the loop goes on. The seconds run from the common start of the
 * loops to the end of the last one (per-thread setup and cleanup are outside). SIGTERM or SIGINT
 * ends the loops early; the line is printed and the directories removed all the same.
 * Bad arguments: a message on stderr, exit 2. A thread's setup failed: message on stderr, exit 1.
 *
 * Build: gcc -O2 -Wall -Wextra -Werror -std=gnu11 -pthread -o bare_loops bench/bare_loops.c
 */
#define _GNU_SOURCE

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/sem.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { kMaxThreads = 4096 };
static const double kMaxSeconds = 1e6;
enum { kExitSetupFailed = 1, kExitUsage = 2 };

/* dentry.h: kDentryNameLength, well over the 40-byte inline name of a dentry. */
enum { kDentryNameLength = 64 };
/* rename.cc: both names end in 40 'x' ({:x<40}). */
enum { kRenameNamePadding = 40 };
/* cred.cc: kOtherGid (nogroup). */
static const gid_t kOtherGid = 65534;
/* mmap.cc: kPages. */
enum { kMmapPages = 16 };
/* fdtable.cc: kFirstGrowth (64 -> 128 fds), kSecondGrowth (128 -> 1024: the 128-fd table goes
 * through free_fdtable_rcu). */
enum { kFdtableFirstFd = 127, kFdtableHighFd = 1023 };

/* One thread's state: written by that thread, read by main after the join. */
struct worker {
	int index;
	pthread_t thread;
	bool dir_made;
	char dir[PATH_MAX];       /* DIR/t<index>, for the kinds that need a directory */
	uint64_t ops;             /* operations that succeeded */
	uint64_t errors;          /* operations that failed */
	int last_errno;           /* of the last failed operation */
	struct timespec loop_end; /* when this thread's loop ended */
	char setup_error[256];    /* why setup failed; empty if it did not */
} __attribute__((aligned(64)));

struct kind {
	const char *name;
	bool needs_dir;
	void (*run)(struct worker *w); /* setup, loop until stop, teardown */
};

static atomic_bool stop_requested;
static volatile sig_atomic_t stop_signal;

/* Start of the loops: every thread ends its setup, then all start when main says go. */
static pthread_mutex_t start_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t start_cond = PTHREAD_COND_INITIALIZER;
static int ready_count;
static bool go;
static atomic_bool setup_failed;

static const struct kind *the_kind;

/* ---- shared helpers for the kind functions ------------------------------------------------ */

static void on_stop_signal(int sig)
{
	stop_signal = sig;
	atomic_store(&stop_requested, true);
}

static inline bool keep_going(void)
{
	return !atomic_load_explicit(&stop_requested, memory_order_acquire);
}

/* One operation done: 0, or the errno of the step that failed. */
static inline void tally(struct worker *w, int err)
{
	if (err == 0) {
		w->ops++;
	} else {
		w->errors++;
		w->last_errno = err;
	}
}

static void fail_setup(struct worker *w, const char *format, ...)
	__attribute__((format(printf, 2, 3)));

static void fail_setup(struct worker *w, const char *format, ...)
{
	va_list args;
	va_start(args, format);
	if (w->setup_error[0] == '\0')
		vsnprintf(w->setup_error, sizeof w->setup_error, format, args);
	va_end(args);
	atomic_store(&setup_failed, true);
}

/* Called by each thread after its setup: waits for the common start. Returns whether to run the
 * loop (false when any thread's setup failed). */
static bool start_together(void)
{
	pthread_mutex_lock(&start_lock);
	ready_count++;
	pthread_cond_broadcast(&start_cond);
	while (!go)
		pthread_cond_wait(&start_cond, &start_lock);
	pthread_mutex_unlock(&start_lock);
	return !atomic_load(&setup_failed);
}

/* Called by each thread when its loop has ended, before its teardown. */
static void loop_ended(struct worker *w)
{
	clock_gettime(CLOCK_MONOTONIC, &w->loop_end);
}

/* ---- the kinds, in the order of workloads/floods/kinds.cc ------------------------------- */

/* bind(127.0.0.1, any free port), as udp_socket.cc and tcp_listen.cc do. */
static int bind_loopback(int fd)
{
	struct sockaddr_in addr = {0};
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return bind(fd, (const struct sockaddr *)&addr, sizeof addr);
}

/* udp_socket.cc: socket(AF_INET, SOCK_DGRAM) + bind(127.0.0.1:0) + close. */
static void run_udp_socket(struct worker *w)
{
	if (start_together()) {
		while (keep_going()) {
			int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
			if (fd < 0) {
				tally(w, errno);
				continue;
			}
			int err = 0;
			if (bind_loopback(fd) != 0)
				err = errno;
			close(fd);
			tally(w, err);
		}
	}
	loop_ended(w);
}

/* dentry.h: "memtorture-dentry-flood-t0003-00000000000004d2-xxx..." (kDentryNameLength bytes). */
static void format_dentry_name(char *out, int tag, uint64_t n)
{
	int len = snprintf(out, kDentryNameLength + 1, "memtorture-dentry-flood-t%04d-%016" PRIx64 "-",
			   tag, n);
	if (len < kDentryNameLength)
		memset(out + len, 'x', (size_t)(kDentryNameLength - len));
	out[kDentryNameLength] = '\0';
}

/* dentry.cc: create, close and unlink a new file with a 64-byte name, in the thread's directory
 * held open by descriptor. */
static void run_dentry(struct worker *w)
{
	int dir_fd = open(w->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd < 0)
		fail_setup(w, "cannot open directory %s: %s", w->dir, strerror(errno));
	if (start_together()) {
		uint64_t next = 0;
		char name[kDentryNameLength + 1];
		while (keep_going()) {
			format_dentry_name(name, w->index, next++);
			int fd = openat(dir_fd, name, O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600);
			if (fd < 0) {
				tally(w, errno);
				continue;
			}
			close(fd);
			tally(w, unlinkat(dir_fd, name, 0) == 0 ? 0 : errno);
		}
	}
	loop_ended(w);
	if (dir_fd >= 0)
		close(dir_fd);
}

/* tcp_listen.cc: socket(AF_INET, SOCK_STREAM) + bind(127.0.0.1:0) + listen(1) + close. */
static void run_tcp_listen(struct worker *w)
{
	if (start_together()) {
		while (keep_going()) {
			int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
			if (fd < 0) {
				tally(w, errno);
				continue;
			}
			int err = 0;
			if (bind_loopback(fd) != 0 ||
			    listen(fd, 1) != 0)
				err = errno;
			close(fd);
			tally(w, err);
		}
	}
	loop_ended(w);
}

/* inode.cc: pipe2 + close of both ends. */
static void run_inode(struct worker *w)
{
	if (start_together()) {
		while (keep_going()) {
			int fds[2];
			if (pipe2(fds, O_CLOEXEC) != 0) {
				tally(w, errno);
				continue;
			}
			close(fds[0]);
			close(fds[1]);
			tally(w, 0);
		}
	}
	loop_ended(w);
}

/* rename.cc: one file renamed back and forth between two 72-byte names. */
static void run_rename(struct worker *w)
{
	char names[2][128];
	for (int i = 0; i < 2; ++i) {
		int len = snprintf(names[i], sizeof names[i], "memtorture-rename-flood-t%04d-%d-",
				   w->index, i);
		memset(names[i] + len, 'x', kRenameNamePadding);
		names[i][len + kRenameNamePadding] = '\0';
	}
	int at = 0; /* the name the file has now */
	int dir_fd = open(w->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd < 0) {
		fail_setup(w, "cannot open directory %s: %s", w->dir, strerror(errno));
	} else {
		int fd = openat(dir_fd, names[0], O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0)
			fail_setup(w, "cannot create %s: %s", names[0], strerror(errno));
		else
			close(fd);
	}
	if (start_together()) {
		while (keep_going()) {
			const int to = 1 - at;
			if (renameat(dir_fd, names[at], dir_fd, names[to]) != 0) {
				tally(w, errno);
				continue;
			}
			at = to;
			tally(w, 0);
		}
	}
	loop_ended(w);
	if (dir_fd >= 0) {
		unlinkat(dir_fd, names[at], 0);
		close(dir_fd);
	}
}

/* task.cc: fork + _exit(0) in the child + waitpid (glibc fork, as ::fork() there). */
static void run_task(struct worker *w)
{
	if (start_together()) {
		while (keep_going()) {
			const pid_t child = fork();
			if (child < 0) {
				tally(w, errno);
				continue;
			}
			if (child == 0)
				_exit(0); /* async-signal-safe only: the parent is multithreaded */
			int status = 0;
			int err = 0;
			while (waitpid(child, &status, 0) < 0) {
				if (errno != EINTR) {
					err = errno;
					break;
				}
			}
			tally(w, err);
		}
	}
	loop_ended(w);
}

/* cred.cc: the raw setresgid system call changes the calling thread only (glibc's wrapper would
 * change every thread). */
static int set_egid(gid_t gid)
{
	return syscall(SYS_setresgid, (gid_t)-1, gid, (gid_t)-1) == 0 ? 0 : errno;
}

/* cred.cc: the thread's effective gid flipped between its own and 65534 (nogroup). Setup checks
 * one change there and back, as make_op does; teardown puts the thread's gid back. */
static void run_cred(struct worker *w)
{
	const gid_t home = getegid();
	int err = set_egid(kOtherGid);
	if (err != 0)
		fail_setup(w, "cred: setresgid to gid %u refused: %s (needs CAP_SETGID)",
			   (unsigned)kOtherGid, strerror(err));
	else if ((err = set_egid(home)) != 0)
		fail_setup(w, "cred: setresgid back to gid %u refused: %s", (unsigned)home,
			   strerror(err));
	if (start_together()) {
		bool flipped = false;
		while (keep_going()) {
			flipped = !flipped;
			tally(w, set_egid(flipped ? kOtherGid : home));
		}
	}
	loop_ended(w);
	set_egid(home);
}

/* epoll.cc: EPOLL_CTL_ADD then EPOLL_CTL_DEL of a pipe's read end on the thread's own epoll
 * instance (epoll_create1 and pipe2 once, before the loop). */
static void run_epoll(struct worker *w)
{
	int fds[2] = {-1, -1};
	const int epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0)
		fail_setup(w, "epoll_create1: %s", strerror(errno));
	else if (pipe2(fds, O_CLOEXEC) != 0)
		fail_setup(w, "pipe2: %s", strerror(errno));
	if (start_together()) {
		while (keep_going()) {
			struct epoll_event ev = {0};
			ev.events = EPOLLIN;
			if (epoll_ctl(epfd, EPOLL_CTL_ADD, fds[0], &ev) != 0) {
				tally(w, errno);
				continue;
			}
			tally(w, epoll_ctl(epfd, EPOLL_CTL_DEL, fds[0], NULL) == 0 ? 0 : errno);
		}
	}
	loop_ended(w);
	if (epfd >= 0)
		close(epfd);
	if (fds[0] >= 0) {
		close(fds[0]);
		close(fds[1]);
	}
}

/* mmap.cc: map 16 anonymous pages, touch the first, unmap. */
static void run_mmap(struct worker *w)
{
	const long page_size = sysconf(_SC_PAGESIZE);
	const size_t page = page_size > 0 ? (size_t)page_size : 4096;
	const size_t length = kMmapPages * page;
	if (start_together()) {
		while (keep_going()) {
			void *p = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				       -1, 0);
			if (p == MAP_FAILED) {
				tally(w, errno);
				continue;
			}
			((volatile char *)p)[0] = 1;
			tally(w, munmap(p, length) == 0 ? 0 : errno);
		}
	}
	loop_ended(w);
}

/* sysv_sem.cc: semget(IPC_PRIVATE, 1) + semop(+1, SEM_UNDO) + semctl(IPC_RMID). Setup makes and
 * removes one set, as make_op does. */
static void run_sysv_sem(struct worker *w)
{
	const int probe = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
	if (probe < 0)
		fail_setup(w, "sysv_sem: semget: %s", strerror(errno));
	else
		semctl(probe, 0, IPC_RMID);
	if (start_together()) {
		while (keep_going()) {
			const int id = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
			if (id < 0) {
				tally(w, errno);
				continue;
			}
			struct sembuf up = {.sem_num = 0, .sem_op = 1, .sem_flg = SEM_UNDO};
			int err = semop(id, &up, 1) == 0 ? 0 : errno;
			if (semctl(id, 0, IPC_RMID) != 0 && err == 0)
				err = errno;
			tally(w, err);
		}
	}
	loop_ended(w);
}

/* fdtable: vfork a child with its own copy of the (small) fd table; it dup2s /dev/null to fd 127,
 * then 1023, growing its table twice, and _exits; the parent waitpids. A child whose dup2 failed
 * exits 1, counted as an error. */
static void run_fdtable(struct worker *w)
{
	struct rlimit nofile;
	const int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fail_setup(w, "fdtable: open /dev/null: %s", strerror(errno));
	else if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur <= kFdtableHighFd)
		fail_setup(w, "fdtable: RLIMIT_NOFILE %llu leaves no fd %d",
			   (unsigned long long)nofile.rlim_cur, kFdtableHighFd);
	if (start_together()) {
		while (keep_going()) {
			const pid_t child = vfork();
			if (child < 0) {
				tally(w, errno);
				continue;
			}
			if (child == 0)
				_exit(dup2(fd, kFdtableFirstFd) < 0 || dup2(fd, kFdtableHighFd) < 0 ? 1 : 0);
			int status = 0;
			int err = 0;
			while (waitpid(child, &status, 0) < 0) {
				if (errno != EINTR) {
					err = errno;
					break;
				}
			}
			if (err == 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
				err = EMFILE; /* the child's dup2 failed */
			tally(w, err);
		}
	}
	if (fd >= 0)
		close(fd);
	loop_ended(w);
}

static const struct kind kinds[] = {
	{"udp_socket", false, run_udp_socket},
	{"dentry", true, run_dentry},
	{"tcp_listen", false, run_tcp_listen},
	{"inode", false, run_inode},
	{"rename", true, run_rename},
	{"task", false, run_task},
	{"cred", false, run_cred},
	{"epoll", false, run_epoll},
	{"mmap", false, run_mmap},
	{"sysv_sem", false, run_sysv_sem},
	{"fdtable", false, run_fdtable},
};
enum { kKindCount = sizeof kinds / sizeof kinds[0] };

/* ---- the thread's directory ------------------------------------------------------------- */

/* Removes every entry left in w->dir (only files are made there), then the directory. */
static void remove_thread_dir(struct worker *w)
{
	int dir_fd = open(w->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd >= 0) {
		DIR *d = fdopendir(dir_fd);
		if (d == NULL) {
			close(dir_fd);
		} else {
			struct dirent *entry;
			while ((entry = readdir(d)) != NULL) {
				if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
					continue;
				if (unlinkat(dirfd(d), entry->d_name, 0) != 0)
					fprintf(stderr, "bare_loops: cannot remove %s/%s: %s\n", w->dir,
						entry->d_name, strerror(errno));
			}
			closedir(d);
		}
	}
	if (rmdir(w->dir) != 0)
		fprintf(stderr, "bare_loops: cannot remove %s: %s\n", w->dir, strerror(errno));
}

static void *thread_main(void *arg)
{
	struct worker *w = arg;
	if (the_kind->needs_dir) {
		if (mkdir(w->dir, 0700) != 0) {
			fail_setup(w, "cannot create directory %s: %s", w->dir, strerror(errno));
			start_together();
			return NULL;
		}
		w->dir_made = true;
	}
	the_kind->run(w);
	if (w->dir_made)
		remove_thread_dir(w);
	return NULL;
}

/* ---- main ------------------------------------------------------------------------------- */

static void list_kinds(FILE *out)
{
	fputs("kinds:", out);
	for (int i = 0; i < kKindCount; ++i)
		fprintf(out, " %s", kinds[i].name);
	fputs("\n", out);
}

static int usage_error(const char *format, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *format, ...)
{
	va_list args;
	va_start(args, format);
	fputs("bare_loops: ", stderr);
	vfprintf(stderr, format, args);
	va_end(args);
	fputs("\nusage: bare_loops KIND THREADS SECONDS [DIR]\n", stderr);
	list_kinds(stderr);
	return kExitUsage;
}

static const struct kind *find_kind(const char *name)
{
	for (int i = 0; i < kKindCount; ++i)
		if (strcmp(kinds[i].name, name) == 0)
			return &kinds[i];
	return NULL;
}

static double seconds_between(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

/* Sleeps until `deadline` (CLOCK_MONOTONIC) or until a stop signal came. */
static void sleep_until(const struct timespec *deadline)
{
	while (keep_going()) {
		int rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, deadline, NULL);
		if (rc != EINTR)
			break;
	}
}

int main(int argc, char **argv)
{
	if (argc < 4 || argc > 5)
		return usage_error("expected 3 or 4 arguments, got %d", argc - 1);

	the_kind = find_kind(argv[1]);
	if (the_kind == NULL)
		return usage_error("unknown kind '%s'", argv[1]);

	char *end = NULL;
	errno = 0;
	const long threads = strtol(argv[2], &end, 10);
	if (errno != 0 || end == argv[2] || *end != '\0' || threads < 1 || threads > kMaxThreads)
		return usage_error("THREADS must be an integer from 1 to %d, got '%s'", kMaxThreads,
				   argv[2]);

	errno = 0;
	const double seconds = strtod(argv[3], &end);
	if (errno != 0 || end == argv[3] || *end != '\0' || !isfinite(seconds) || seconds <= 0 ||
	    seconds > kMaxSeconds)
		return usage_error("SECONDS must be a number above 0 and at most %g, got '%s'",
				   kMaxSeconds, argv[3]);

	const char *dir = argc == 5 ? argv[4] : NULL;
	if (the_kind->needs_dir) {
		struct stat st;
		if (dir == NULL)
			return usage_error("kind %s needs a DIR", the_kind->name);
		if (stat(dir, &st) != 0)
			return usage_error("DIR %s: %s", dir, strerror(errno));
		if (!S_ISDIR(st.st_mode))
			return usage_error("DIR %s is not a directory", dir);
	}

	struct worker *workers = aligned_alloc(64, sizeof(struct worker) * (size_t)threads);
	if (workers == NULL) {
		fprintf(stderr, "bare_loops: out of memory\n");
		return kExitSetupFailed;
	}
	memset(workers, 0, sizeof(struct worker) * (size_t)threads);
	for (long i = 0; i < threads; ++i) {
		workers[i].index = (int)i;
		if (the_kind->needs_dir &&
		    (size_t)snprintf(workers[i].dir, sizeof workers[i].dir, "%s/t%ld", dir, i) >=
			    sizeof workers[i].dir)
			return usage_error("DIR %s is too long", dir);
	}

	/* SIGTERM and SIGINT set the stop flag; main's sleep is where they land: the threads run
	 * with both blocked. */
	struct sigaction stop_action;
	memset(&stop_action, 0, sizeof stop_action);
	stop_action.sa_handler = on_stop_signal;
	sigemptyset(&stop_action.sa_mask);
	sigaction(SIGTERM, &stop_action, NULL);
	sigaction(SIGINT, &stop_action, NULL);
	sigset_t stop_signals, old_mask;
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGTERM);
	sigaddset(&stop_signals, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop_signals, &old_mask);

	long started = 0;
	for (; started < threads; ++started) {
		int err = pthread_create(&workers[started].thread, NULL, thread_main, &workers[started]);
		if (err != 0) {
			fprintf(stderr, "bare_loops: cannot start thread %ld: %s\n", started,
				strerror(err));
			atomic_store(&setup_failed, true);
			break;
		}
	}
	pthread_sigmask(SIG_SETMASK, &old_mask, NULL);

	/* Every started thread has done its setup: go. */
	struct timespec start;
	pthread_mutex_lock(&start_lock);
	while (ready_count < started)
		pthread_cond_wait(&start_cond, &start_lock);
	clock_gettime(CLOCK_MONOTONIC, &start);
	go = true;
	pthread_cond_broadcast(&start_cond);
	pthread_mutex_unlock(&start_lock);

	if (!atomic_load(&setup_failed)) {
		struct timespec deadline = start;
		const time_t whole = (time_t)seconds; /* seconds > 0: truncation is floor */
		deadline.tv_sec += whole;
		deadline.tv_nsec += (long)((seconds - (double)whole) * 1e9);
		if (deadline.tv_nsec >= 1000000000L) {
			deadline.tv_sec += 1;
			deadline.tv_nsec -= 1000000000L;
		}
		sleep_until(&deadline);
	}
	atomic_store(&stop_requested, true);

	uint64_t ops = 0, errors = 0;
	struct timespec last_end = start;
	int exit_code = 0;
	for (long i = 0; i < started; ++i) {
		struct worker *w = &workers[i];
		pthread_join(w->thread, NULL);
		if (w->setup_error[0] != '\0') {
			fprintf(stderr, "bare_loops: %s thread %ld: %s\n", the_kind->name, i,
				w->setup_error);
			exit_code = kExitSetupFailed;
		}
		ops += w->ops;
		errors += w->errors;
		if (w->errors != 0)
			fprintf(stderr, "bare_loops: %s thread %ld: %" PRIu64 " failed, last: %s\n",
				the_kind->name, i, w->errors, strerror(w->last_errno));
		if (seconds_between(&last_end, &w->loop_end) > 0)
			last_end = w->loop_end;
	}
	if (started < threads)
		exit_code = kExitSetupFailed;
	free(workers);
	if (exit_code != 0)
		return exit_code;

	if (stop_signal != 0)
		fprintf(stderr, "bare_loops: stopped early by signal %d\n", (int)stop_signal);
	printf("ops=%" PRIu64 " errors=%" PRIu64 " seconds=%.3f\n", ops, errors,
	       seconds_between(&start, &last_end));
	return 0;
}
