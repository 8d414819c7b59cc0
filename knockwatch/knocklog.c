/* knocklog.c — turns the state machine's event records into the daemon's
 * -v log lines: an attempt started, reset (what it expected and what it
 * got), expired, or refused as spent; a knock ignored from a penalised
 * source; a knock in an HMAC door's range that is no user's first knock. A scan makes an event per packet,
 * so the lines are rate-limited here, before they reach the parent's own
 * log rate where they would crowd out everything else. */
#include "knocklog.h"

#include <stdio.h>

#include "log.h"

static const char *
proto_name(int proto)
{
	return proto == IPPROTO_UDP ? "udp" : "tcp";
}

/* 1 if a line may be logged at now; counts it either way. */
static int
knocklog_admit(struct knocklog *kl, kw_ms now)
{
	if (now / 1000 != kl->second) {
		if (kl->dropped > 0)
			log_info("attempt: %llu more events not logged "
			    "(more than %d a second)",
			    (unsigned long long)kl->dropped, KNOCKLOG_RATE);
		kl->second = now / 1000;
		kl->count = 0;
		kl->dropped = 0;
	}
	if (kl->count >= KNOCKLOG_RATE) {
		kl->dropped++;
		return 0;
	}
	kl->count++;
	return 1;
}

void
knocklog_event(void *arg, const struct knock_event *ev)
{
	struct knocklog *kl = arg;
	char src[ADDR_STRLEN], exp[32] = "";
	const struct config_door *d;
	const char *door;

	switch (ev->what) {
	case KNOCK_ADVANCE:
		if (ev->stage != 1)
			return;
		break;
	case KNOCK_RESET:
	case KNOCK_EXPIRED:
	case KNOCK_SPENT:
	case KNOCK_NOFIRST:
		break;
	case KNOCK_PENALISED:
		/* The one event of no door: a penalty is the source's. */
		if (ev->k == NULL || !knocklog_admit(kl, ev->now))
			return;
		log_info("attempt: %s: knock %s/%u ignored: the source serves "
		    "a penalty (%llu s left; knockwatch status lists it)",
		    addr_ntop(ev->src, src, sizeof(src)),
		    proto_name(ev->k->proto), ev->k->dport,
		    (unsigned long long)ev->left_s);
		return;
	default:
		return;
	}
	if (ev->door < 0 || !knocklog_admit(kl, ev->now))
		return;
	d = &kl->cfg->doors[ev->door];
	door = d->name;
	addr_ntop(ev->src, src, sizeof(src));
	switch (ev->what) {
	case KNOCK_ADVANCE:
		log_info("attempt: %s door %s started (1/%u)", src, door,
		    ev->length);
		break;
	case KNOCK_RESET:
		if (ev->expected.port != 0)
			snprintf(exp, sizeof(exp), "%s/%u",
			    proto_name(ev->expected.proto), ev->expected.port);
		log_info("attempt: %s door %s reset at %u/%u: expected %s, "
		    "got %s/%u%s", src, door, ev->stage, ev->length,
		    exp[0] ? exp : "the next knock of the sequence",
		    proto_name(ev->k->proto), ev->k->dport,
		    d->is_hmac && d->hmac.bind_source ? " (this door binds "
		    "sequences to the source address: behind NAT, knock with "
		    "--bind PUBLIC_ADDRESS)" : "");
		break;
	case KNOCK_NOFIRST:
		log_info("attempt: %s door %s: %s/%u is no user's first knock "
		    "of steps %llu..%llu (wrong key or door name, or the "
		    "client's clock is off: this host's step is %llu)", src,
		    door, proto_name(ev->k->proto), ev->k->dport,
		    (unsigned long long)(ev->step - d->hmac.skew),
		    (unsigned long long)(ev->step + d->hmac.skew),
		    (unsigned long long)ev->step);
		break;
	case KNOCK_EXPIRED:
		log_info("attempt: %s door %s expired at %u/%u", src, door,
		    ev->stage, ev->length);
		break;
	case KNOCK_SPENT:
		log_info("attempt: %s door %s refused: that user's step has "
		    "opened already (spent)", src, door);
		break;
	default:
		break;
	}
}
