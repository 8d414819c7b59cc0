/* syshdr.h — the header that opens a syslog line: its timestamp (stamp.h),
 * the host, an optional busybox "facility.priority" and the tag. */
#ifndef KW_SYSHDR_H
#define KW_SYSHDR_H

#include <stddef.h>

#include "stamp.h"

#define SYSHDR_MAX_HOST	255	/* syslog HOSTNAME field */

struct syshdr {
	enum stamp_kind kind;	/* the stamp's kind and length */
	size_t stamplen;
	size_t host, hostlen;	/* the HOST field's span; hostlen 0: the
				 * format has none (OpenWrt logread) */
	size_t msg;		/* offset of the message after the tag */
	int kernel;		/* the tag is "kernel:" (and a facility, where
				 * the line shows one, is kern): msg is set */
};

/*
 * Reads the header of [s, s + n): the stamp (any kind stamp_scan knows)
 * and one space; the host and one space, except after an OpenWrt (ctime)
 * stamp, which has none; a busybox "kern.warn" token and one space, if
 * there; then the tag. Returns 1 when stamp and host are there (the header
 * is recognised), with *h filled; h->kernel says whether the tag, checked
 * where it stands and never searched for, is exactly "kernel: " and the
 * facility, when shown, "kern". Returns 0 otherwise. Pure; reads no byte
 * past s + n, which need not be NUL-terminated.
 */
int syshdr_scan(const char *s, size_t n, struct syshdr *h);

#endif
