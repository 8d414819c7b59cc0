/* test_grant.c — the parent's checks of worker requests, one field at a
 * time: each case changes one thing in an acceptable request. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "grant.h"
#include "test.h"

static struct msg_door
req(const char *door, const char *src, const char *user, unsigned port,
    uint64_t step)
{
	struct msg_door r;

	memset(&r, 0, sizeof(r));
	r.event = MSG_EVENT_START;
	snprintf(r.door, sizeof(r.door), "%s", door);
	snprintf(r.src, sizeof(r.src), "%s", src);
	snprintf(r.user, sizeof(r.user), "%s", user);
	r.open_port = (uint16_t)port;
	r.step = step;
	return r;
}

int
main(void)
{
	char path[] = "/tmp/kw-test-grant.XXXXXX", err[512];
	char path2[] = "/tmp/kw-test-grant.XXXXXX";
	const time_t wall = 1800000000;
	const uint64_t step = (uint64_t)wall / 30;
	const struct config *cfgs[2] = { NULL, NULL };
	struct door_req ev;
	struct msg_door r;
	struct config *c;
	FILE *fp;
	int fd;

	if ((fd = mkstemp(path)) == -1 || (fp = fdopen(fd, "w")) == NULL)
		return 2;
	fprintf(fp, "deny: [198.51.100.0/24]\n"
	    "sources: [{file: /var/log/kern.log}, {file: /srv/logs/k.log}]\n"
	    "users:\n  alice: {key: 000102030405060708090a0b0c0d0e0f}\n"
	    "  bob: {key_file: /etc/knockwatch/bob.key}\n"
	    "doors:\n"
	    "  ssh: {sequence: [7000], start: [/bin/true], deny: [192.0.2.128/25]}\n"
	    "  otp: {hmac: {users: [alice], open_range: 40000-40099}, "
	    "start: [/bin/true]}\n");
	fclose(fp);
	struct config_opts o = { -1, 1, 0, NULL, NULL, 0 };
	c = config_load_opts(path, &o, err, sizeof(err));
	unlink(path);
	T_OK(c != NULL, "load: %s", err);
	if (c == NULL)
		return t_done();
	cfgs[0] = c;

	r = req("ssh", "192.0.2.1", "", 0, 0);
	T_OK(grant_door(c, &r, wall, &ev) == NULL, "static request");
	T_INTEQ(ev.door, config_door_index(c, "ssh"));
	T_INTEQ(ev.user, -1);
	r = req("otp", "2001:db8::1", "alice", 40007, step);
	T_OK(grant_door(c, &r, wall, &ev) == NULL, "hmac request");
	T_INTEQ(ev.user, config_user_index(c, "alice"));
	T_INTEQ(ev.open_port, 40007);
	r = req("otp", "2001:db8::1", "alice", 40007, step - 2);
	T_OK(grant_door(c, &r, wall, &ev) == NULL, "step at the skew's edge");

	/* One thing wrong each. */
	const struct { struct msg_door r; const char *why; } bad[] = {
		{ req("nosuch", "192.0.2.1", "", 0, 0), "does not exist" },
		{ req("ssh", "192.0.2.300", "", 0, 0), "not an address" },
		{ req("ssh", "localhost", "", 0, 0), "not an address" },
		{ req("ssh", "198.51.100.9", "", 0, 0), "denied" },
		{ req("ssh", "192.0.2.200", "", 0, 0), "denied" },
		{ req("ssh", "192.0.2.1", "alice", 0, 0), "static door" },
		{ req("ssh", "192.0.2.1", "", 22, 0), "static door" },
		{ req("ssh", "192.0.2.1", "", 0, step), "static door" },
		{ req("otp", "192.0.2.1", "bob", 40000, step), "not of that door" },
		{ req("otp", "192.0.2.1", "eve", 40000, step), "unknown user" },
		{ req("otp", "192.0.2.1", "", 40000, step), "unknown user" },
		{ req("otp", "192.0.2.1", "alice", 40100, step), "open port" },
		{ req("otp", "192.0.2.1", "alice", 0, step), "open port" },
		{ req("otp", "192.0.2.1", "alice", 40000, step - 3), "time step" },
		{ req("otp", "192.0.2.1", "alice", 40000, step + 3), "time step" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *why = grant_door(c, &bad[i].r, wall, &ev);
		T_OK(why != NULL && strstr(why, bad[i].why) != NULL,
		    "case %zu: %s", i, why ? why : "granted");
	}
	r = req("ssh", "192.0.2.1", "", 0, 0);
	r.event = 2;
	T_OK(grant_door(c, &r, wall, &ev) != NULL, "event stop");
	r = req("ssh", "192.0.2.1", "", 0, 0);
	r.pad = 1;
	T_OK(grant_door(c, &r, wall, &ev) != NULL, "padding");
	memset(r.src, 'a', sizeof(r.src));
	r.pad = 0;
	T_OK(grant_door(c, &r, wall, &ev) != NULL, "unterminated source");
	T_OK(grant_door(NULL, &r, wall, &ev) != NULL, "no config");


	/* Files: the sources and the directories above them, key files. */
	T_INTEQ(grant_path(cfgs, "/var/log/kern.log", 0), 1);
	T_INTEQ(grant_path(cfgs, "/var/log", 0), 0);
	T_INTEQ(grant_path(cfgs, "/var/log", 1), 1);
	T_INTEQ(grant_path(cfgs, "/srv", 1), 1);
	T_INTEQ(grant_path(cfgs, "/", 1), 1);
	T_INTEQ(grant_path(cfgs, "/var/log/auth.log", 1), 0);
	T_INTEQ(grant_path(cfgs, "/var/log/", 1), 0);
	T_INTEQ(grant_path(cfgs, "/var/log/../../etc/shadow", 1), 0);
	T_INTEQ(grant_path(cfgs, "/etc", 1), 0);
	T_INTEQ(grant_key(cfgs, "/etc/knockwatch/bob.key"), 1);
	T_INTEQ(grant_key(cfgs, "/etc/shadow"), 0);
	T_INTEQ(grant_kmsg(cfgs), 0);

	/* A host without a fleet source: refused. */
	r = req("ssh", "192.0.2.1", "", 0, 0);
	snprintf(r.host, sizeof(r.host), "10.0.0.2");
	T_OK(grant_door(c, &r, wall, &ev) != NULL, "host without fleet");
	config_free(c);
	cfgs[0] = NULL;

	/* Fleet: the host must be canonical and one the door serves. */
	if ((fd = mkstemp(path2)) == -1 || (fp = fdopen(fd, "w")) == NULL)
		return 2;
	fprintf(fp, "sources: [{file: /var/log/fleet.log, fleet: true}]\n"
	    "doors:\n"
	    "  ssh: {sequence: [7000], start: [/bin/true]}\n"
	    "  web: {sequence: [7100], start: [/bin/true], hosts: [web1, "
	    "10.0.0.1]}\n");
	fclose(fp);
	c = config_load_opts(path2, &o, err, sizeof(err));
	unlink(path2);
	T_OK(c != NULL, "load fleet: %s", err);
	if (c == NULL)
		return t_done();
	{
		const struct { const char *door, *host; int ok; } h[] = {
			{ "ssh", "", 1 }, { "ssh", "10.0.0.2", 1 },
			{ "ssh", "web1.example.org", 1 }, { "web", "web1", 1 },
			{ "web", "10.0.0.1", 1 }, { "web", "10.0.0.2", 0 },
			{ "web", "", 0 }, { "ssh", "-oProxyCommand=x", 0 },
			{ "ssh", "WEB1", 0 }, { "ssh", "10.0.0.001", 0 },
			{ "ssh", "2001:DB8::1", 0 }, { "ssh", "a b", 0 },
		};

		for (size_t i = 0; i < sizeof(h) / sizeof(h[0]); i++) {
			const char *why;

			r = req(h[i].door, "192.0.2.1", "", 0, 0);
			snprintf(r.host, sizeof(r.host), "%s", h[i].host);
			why = grant_door(c, &r, wall, &ev);
			T_OK((why == NULL) == h[i].ok, "host case %zu (%s %s): %s",
			    i, h[i].door, h[i].host, why ? why : "granted");
			if (why == NULL)
				T_STREQ(ev.host, h[i].host);
		}
		r = req("ssh", "192.0.2.1", "", 0, 0);
		memset(r.host, 'a', sizeof(r.host));
		T_OK(grant_door(c, &r, wall, &ev) != NULL, "unterminated host");
	}
	config_free(c);
	return t_done();
}
