/* test_otp_carry.c — a reload keeps the spent HMAC steps of every (door,
 * user) the new configuration still has, with many users: users removed,
 * added and listed in another order, doors removed and added, the newer
 * of two spent steps kept. Prints how long the load and the carry took
 * (no timing assertion: timings are noisy); KW_CARRY_USERS sets the size
 * (default 20,000 users on each of two doors). */
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "test.h"
#include "otp.h"
#include "state.h"

struct cfgbuf {
	struct config c;
	struct config_door doors[3];
	struct config_user *users;
	int *dusers[3];
	char (*names)[16];
};

/* Users named u000000.. (sorted, as config.c sorts them); user i exists
 * when keep(i). Door names from dn; each door lists every user, in
 * reverse order when rev. */
static void
build(struct cfgbuf *b, int n, int (*keep)(int), char *const *dn,
    int ndoors, int rev)
{
	int nu = 0;

	memset(b, 0, sizeof(*b));
	b->users = calloc((size_t)n, sizeof(*b->users));
	b->names = calloc((size_t)n, sizeof(*b->names));
	for (int i = 0; i < n; i++) {
		if (!keep(i))
			continue;
		snprintf(b->names[nu], sizeof(b->names[nu]), "u%06d", i);
		b->users[nu].name = b->names[nu];
		b->users[nu].keylen = 32;
		nu++;
	}
	for (int d = 0; d < ndoors; d++) {
		struct config_door *cd = &b->doors[d];

		b->dusers[d] = calloc((size_t)nu + 1, sizeof(int));
		for (int u = 0; u < nu; u++)
			b->dusers[d][u] = rev ? nu - 1 - u : u;
		cd->name = dn[d];
		cd->is_hmac = 1;
		cd->timeout = 20;
		cd->hmac.users = b->dusers[d];
		cd->hmac.nusers = nu;
		cd->hmac.length = 4;
		cd->hmac.lo = 20000;
		cd->hmac.hi = 59999;
		cd->hmac.period = 30;
		cd->hmac.skew = 1;
	}
	b->c.doors = b->doors;
	b->c.ndoors = ndoors;
	b->c.users = b->users;
	b->c.nusers = nu;
	b->c.max_tracked = 16;
}

static void
unbuild(struct cfgbuf *b)
{
	for (int d = 0; d < 3; d++)
		free(b->dusers[d]);
	free(b->users);
	free(b->names);
}

static int all(int i) { (void)i; return 1; }
/* The new config drops every fifth user of the old one and adds users
 * past its end. */
static int most(int i) { return i % 5 != 0; }

/* Spent step of user i of door d in the old state, the new state before
 * the carry, and after it (0: none). */
static unsigned long long
old_spent(int d, int i)
{
	return i % 3 == 0 ? 1000000ULL + (unsigned)i + (unsigned)d : 0;
}

static unsigned long long
new_spent(int d, int i)
{
	(void)d;
	return i % 7 == 0 ? 1000000ULL + (unsigned)i + 1 : 0;
}

static int
write_spent(const char *path, char *const *dn, int ndoors, int n,
    int (*keep)(int), unsigned long long (*spent)(int, int))
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return -1;
	for (int d = 0; d < ndoors; d++)
		for (int i = 0; i < n; i++)
			if (keep(i) && spent(d, i) > 0)
				fprintf(f, "%s u%06d %llu\n", dn[d], i, spent(d, i));
	return fclose(f);
}

int
main(void)
{
	const char *env = getenv("KW_CARRY_USERS");
	int n = env != NULL ? atoi(env) : 20000;
	/* Old doors a, b, gone; new doors b, a, fresh. */
	static char da[] = "a", db[] = "b", dg[] = "gone", df[] = "fresh";
	char *const odn[] = { da, db, dg };
	char *const ndn[] = { db, da, df };
	char dir[] = "/tmp/kwcarry.XXXXXX", path[64], err[256];
	struct cfgbuf ob, nb;
	struct otp *oo, *no;
	struct timespec t0, t1;
	char *buf, *line, *save = NULL;
	size_t len;
	int lines = 0, bad = 0;

	if (n < 10)
		n = 10;
	T_OK(mkdtemp(dir) != NULL, "mkdtemp");
	snprintf(path, sizeof(path), "%s/spent", dir);
	build(&ob, n, all, odn, 3, 0);
	/* n + n / 10 users: the last tenth are new. */
	build(&nb, n + n / 10, most, ndn, 3, 1);
	oo = otp_new(&ob.c, NULL);
	no = otp_new(&nb.c, NULL);
	T_OK(oo != NULL && no != NULL, "otp_new");
	T_INTEQ(write_spent(path, odn, 3, n, all, old_spent), 0);
	T_INTEQ(otp_load(oo, path, err, sizeof(err)), 0);
	T_INTEQ(write_spent(path, ndn, 2, n + n / 10, most, new_spent), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	T_INTEQ(otp_load(no, path, err, sizeof(err)), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("# otp_load: %d users' spent steps on 2 doors: %.1f ms\n",
	    nb.c.nusers, (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	otp_carry(no, oo);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("# otp_carry: %d -> %d users, 3 doors (2 kept): %.1f ms\n", n,
	    nb.c.nusers, (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);

	T_INTEQ(otp_save(no, path, err, sizeof(err)), 0);
	buf = state_read(path, &len);
	T_OK(buf != NULL, "read back");
	/* Every line is what the carry should give: the newer of the old
	 * (same door name) and the new step, for users both have. */
	for (line = buf ? strtok_r(buf, "\n", &save) : NULL; line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		char dn[16];
		int i, nd, od;
		unsigned long long st, want;

		lines++;
		if (sscanf(line, "%15s u%d %llu", dn, &i, &st) != 3) {
			bad++;
			continue;
		}
		nd = dn[0] == 'b' ? 0 : dn[0] == 'a' ? 1 : 2;
		od = nd == 0 ? 1 : nd == 1 ? 0 : -1;
		want = nd < 2 ? new_spent(nd, i) : 0;
		if (od >= 0 && i < n && old_spent(od, i) > want)
			want = old_spent(od, i);
		if (st != want || !most(i)) {
			if (bad++ < 5)
				fprintf(stderr, "line '%s': want %llu\n", line,
				    want);
		}
	}
	T_INTEQ(bad, 0);
	/* And nothing is missing: count the expected lines. */
	{
		int want = 0;

		for (int d = 0; d < 2; d++)
			for (int i = 0; i < n + n / 10; i++) {
				int od = d == 0 ? 1 : 0;

				if (most(i) && (new_spent(d, i) > 0 ||
				    (i < n && old_spent(od, i) > 0)))
					want++;
			}
		T_INTEQ(lines, want);
	}
	free(buf);
	otp_free(oo);
	otp_free(no);
	unbuild(&ob);
	unbuild(&nb);
	unlink(path);
	rmdir(dir);
	return t_done();
}
