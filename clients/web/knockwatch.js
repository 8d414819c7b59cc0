// knockwatch.js — knockwatch/2 knock sequences (doc/protocol.md) for web
// pages and Node 18+: an ES module that needs nothing but WebCrypto's
// HMAC-SHA256. It derives; it never sends, stores or logs a key.
//
//   import { sequence } from "./knockwatch.js";
//   const { knocks, openPort } = await sequence({ key: "0001…1f",
//       door: "ssh", user: "alice", step: 58720000, bind: "",
//       length: 4, range: [20000, 59999], protocols: ["tcp"],
//       openRange: null });
//   // knocks: ["tcp/39776", "tcp/42025", "tcp/31751", "tcp/22516"]
//
// knock.html embeds this file unchanged (a page opened as a file cannot
// import a module from a file in Chromium): after an edit, run
// clients/web/embed.sh.

export const VERSION = "knockwatch/2";
export const MIN_KEY = 16;
export const MAX_KEY = 64;
export const MAX_SEQ = 16;
const MAX_BLOCKS = 4096; // stream blocks before giving up, as seq.c

// Ports browsers refuse to connect to. Chromium: kRestrictedPorts of
// net/base/port_util.cc; Firefox: gBadPortList of
// netwerk/base/nsIOService.cpp, which is the Fetch standard's "bad port"
// list (Chromium's plus 0, 4190 and 6679).
export const CHROMIUM_BLOCKED_PORTS = Object.freeze([
	1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77,
	79, 87, 95, 101, 102, 103, 104, 109, 110, 111, 113, 115, 117, 119, 123,
	135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526,
	530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993,
	995, 1719, 1720, 1723, 2049, 3659, 4045, 5060, 5061, 6000, 6566, 6665,
	6666, 6667, 6668, 6669, 6697, 10080,
]);
export const FIREFOX_BLOCKED_PORTS = Object.freeze(
	[0, ...CHROMIUM_BLOCKED_PORTS, 4190, 6679].sort((a, b) => a - b));

// The blocked ports (of either browser) in lo..hi, ascending, each with
// the browsers that block it: [{port, browsers: ["Chromium", "Firefox"]}].
export function blockedPorts(lo, hi) {
	const out = [];
	for (const p of FIREFOX_BLOCKED_PORTS) {
		if (p < lo || p > hi)
			continue;
		const b = CHROMIUM_BLOCKED_PORTS.includes(p) ?
		    ["Chromium", "Firefox"] : ["Firefox"];
		out.push({ port: p, browsers: b });
	}
	return out;
}

const NAME_RE = /^[A-Za-z0-9_.-]{1,64}$/;
const HOST_RE = /^[A-Za-z0-9_.:-]{1,255}$/;

// ---- canonical address text, as knockwatch/addr.c ----

// Dotted quad as glibc's inet_pton: four parts 0..255, no leading zeros.
function parse4(s) {
	const parts = s.split(".");
	if (parts.length !== 4)
		return null;
	const out = [];
	for (const p of parts) {
		if (!/^[0-9]{1,3}$/.test(p) || (p.length > 1 && p[0] === "0"))
			return null;
		const v = Number(p);
		if (v > 255)
			return null;
		out.push(v);
	}
	return out;
}

// IPv6 text as glibc's inet_pton(AF_INET6): at most four hex digits a
// group, one "::", an optional dotted IPv4 tail, no "%zone". Returns the
// eight 16-bit groups or null.
function parse6(s) {
	let groups = [];
	if (s[0] === ":") {
		if (s[1] !== ":")
			return null;
		s = s.slice(1);
	}
	let colonAt = -1, val = 0, ndig = 0, tok = 0, i = 0;
	while (i < s.length) {
		const ch = s[i++];
		const d = "0123456789abcdef".indexOf(ch.toLowerCase());
		if (ch.length === 1 && d >= 0 && /[0-9A-Fa-f]/.test(ch)) {
			if (ndig === 4)
				return null;
			val = val << 4 | d;
			ndig++;
			continue;
		}
		if (ch === ":") {
			tok = i;
			if (ndig === 0) {
				if (colonAt !== -1)
					return null;
				colonAt = groups.length;
				continue;
			}
			if (i === s.length || groups.length >= 8)
				return null;
			groups.push(val);
			val = ndig = 0;
			continue;
		}
		if (ch === "." && groups.length + 2 <= 8) {
			const v4 = parse4(s.slice(tok));
			if (v4 === null)
				return null;
			groups.push(v4[0] << 8 | v4[1], v4[2] << 8 | v4[3]);
			ndig = 0;
			break;
		}
		return null;
	}
	if (ndig > 0) {
		if (groups.length >= 8)
			return null;
		groups.push(val);
	}
	if (colonAt !== -1) {
		if (groups.length === 8)
			return null;
		const zeros = new Array(8 - groups.length).fill(0);
		groups = [...groups.slice(0, colonAt), ...zeros,
		    ...groups.slice(colonAt)];
	}
	return groups.length === 8 ? groups : null;
}

// A numeric address: {family: 4, parts: [a, b, c, d]} or {family: 6,
// groups: [8 numbers]}, or null for anything knockwatch refuses (names
// included: this never resolves).
export function parseAddress(text) {
	if (typeof text !== "string" || text.length === 0 ||
	    text.length >= 46 || text.includes("\0"))
		return null;
	if (!text.includes(":")) {
		const p = parse4(text);
		return p ? { family: 4, parts: p } : null;
	}
	const g = parse6(text);
	return g ? { family: 6, groups: g } : null;
}

// The canonical text of a numeric address ("192.0.2.7"; IPv6 as RFC 5952
// in hexadecimal only, "::ffff:c000:207"), or null.
export function canonicalAddress(text) {
	const a = parseAddress(text);
	if (a === null)
		return null;
	if (a.family === 4)
		return a.parts.join(".");
	const w = a.groups;
	let best = 8, bestLen = 0, run = 0;
	for (let i = 0; i < 8; i++) {
		run = w[i] === 0 ? run + 1 : 0;
		if (run > bestLen) {
			bestLen = run;
			best = i + 1 - run;
		}
	}
	if (bestLen < 2)
		best = 8;
	let out = "";
	for (let i = 0; i < 8; i++) {
		if (i === best) {
			out += "::";
			i += bestLen - 1;
			continue;
		}
		if (i > 0 && i !== best + bestLen)
			out += ":";
		out += w[i].toString(16);
	}
	return out;
}

// ---- parameters ----

// Hex text (white space around it allowed) or bytes into a Uint8Array of
// 16..64 bytes; null when it is not one.
export function keyBytes(key) {
	if (key instanceof ArrayBuffer)
		key = new Uint8Array(key);
	if (ArrayBuffer.isView(key)) {
		const b = new Uint8Array(key.buffer, key.byteOffset,
		    key.byteLength);
		return b.length >= MIN_KEY && b.length <= MAX_KEY ?
		    new Uint8Array(b) : null;
	}
	if (typeof key !== "string")
		return null;
	const t = key.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, "");
	if (t.length % 2 || !/^[0-9A-Fa-f]*$/.test(t) ||
	    t.length / 2 < MIN_KEY || t.length / 2 > MAX_KEY)
		return null;
	const out = new Uint8Array(t.length / 2);
	for (let i = 0; i < out.length; i++)
		out[i] = parseInt(t.substr(2 * i, 2), 16);
	return out;
}

function stepText(step) {
	if (typeof step === "bigint")
		return step >= 0n && step < 1n << 64n ? step.toString() : null;
	if (typeof step === "number")
		return Number.isSafeInteger(step) && step >= 0 ?
		    String(step) : null;
	if (typeof step === "string" && /^[0-9]{1,20}$/.test(step)) {
		const b = BigInt(step);
		return b < 1n << 64n ? b.toString() : null;
	}
	return null;
}

function port(v) {
	return Number.isInteger(v) && v >= 0 && v <= 65535;
}

// Why knockwatch refuses these parameters (its seq_check's words), or null
// when they are valid. Same arguments as sequence().
export function checkParams(p) {
	const key = keyBytes(p.key);
	if (key === null)
		return "the key must be 16 to 64 bytes";
	const door = String(p.door ?? "");
	const at = door.indexOf("@");
	if (at === -1 ? !NAME_RE.test(door) :
	    !NAME_RE.test(door.slice(0, at)) || !HOST_RE.test(door.slice(at + 1)))
		return "the door name must be [A-Za-z0-9_.-]{1,64}, or " +
		    "NAME@HOST for a fleet door";
	if (!NAME_RE.test(String(p.user ?? "")))
		return "the user name must be [A-Za-z0-9_.-]{1,64}";
	if (stepText(p.step) === null)
		return "the step must be a whole number from 0 to 2^64-1";
	if (p.bind && canonicalAddress(p.bind) === null)
		return "the bind address must be a numeric IPv4 or IPv6 address";
	const [lo, hi] = p.range ?? [20000, 59999];
	if (!port(lo) || !port(hi) || lo === 0 || lo > hi)
		return "the range must be LO-HI with 0 < LO <= HI";
	const length = p.length ?? 4;
	if (!Number.isInteger(length) || length < 2 || length > MAX_SEQ)
		return "the length must be 2 to 16 knocks";
	if (hi - lo + 1 < length)
		return "the length exceeds the number of ports in the range " +
		    "(a sequence never repeats a port)";
	const pr = (p.protocols ?? ["tcp"]).slice().sort().join(",");
	if (pr !== "tcp" && pr !== "tcp,udp")
		return "the protocols must be [\"tcp\"] or [\"tcp\", \"udp\"]";
	if (p.openRange) {
		const [olo, ohi] = p.openRange;
		if (!port(olo) || !port(ohi) || olo === 0 || olo > ohi)
			return "the open range must be LO-HI with 0 < LO <= HI";
		if (ohi - olo + 1 <= length && olo >= lo && ohi <= hi)
			return "the open range lies inside the knock range and " +
			    "has no more ports than the length: the knocks " +
			    "could use up every one";
	}
	return null;
}

// ---- derivation ----

let subtlePromise = null;

// WebCrypto's SubtleCrypto: the page's, or Node's (global from Node 19 on,
// node:crypto's webcrypto on Node 18).
function subtle() {
	if (subtlePromise === null) {
		subtlePromise = globalThis.crypto?.subtle ?
		    Promise.resolve(globalThis.crypto.subtle) :
		    import("node:crypto").then((m) => m.webcrypto.subtle);
	}
	return subtlePromise;
}

const enc = new TextEncoder();

function concat(a, b) {
	const out = new Uint8Array(a.length + b.length);
	out.set(a);
	out.set(b, a.length);
	return out;
}

async function mac(ck, msg) {
	const s = await subtle();
	return new Uint8Array(await s.sign("HMAC", ck, msg));
}

// The value stream of msg (spec step 2): next() resolves to the next
// 16-bit value.
function stream(ck, msg) {
	let block = 0, vals = null, pos = 16;
	return {
		async next() {
			if (pos >= 16) {
				if (block >= MAX_BLOCKS)
					throw new Error("cannot derive the sequence");
				const d = await mac(ck, concat(msg,
				    enc.encode("|" + block)));
				vals = d;
				block++;
				pos = 0;
			}
			const v = vals[2 * pos] << 8 | vals[2 * pos + 1];
			pos++;
			return v;
		},
	};
}

// Spec step 3: one draw from lo..hi, skipping the ports in exclude.
async function draw(s, lo, hi, exclude) {
	const r = hi - lo + 1;
	const limit = 65536 - 65536 % r;
	for (;;) {
		const v = await s.next();
		if (v >= limit)
			continue;
		const p = lo + v % r;
		if (!exclude.includes(p))
			return p;
	}
}

// The knocks of a knockwatch/2 door, as `knockwatch sequence` prints them.
// key: hex text or bytes; door (NAME or NAME@HOST), user; step: a number,
// a BigInt or decimal text; bind: the client's address as the server sees
// it (any numeric spelling; canonicalised) or "" for a door without
// bind_source; length; range: [lo, hi]; protocols: ["tcp"] or
// ["tcp", "udp"]; openRange: [lo, hi] or null. Resolves to {knocks:
// ["tcp/39776", ...], openPort: N or null}; rejects with an Error saying
// why for parameters knockwatch refuses.
export async function sequence({ key, door, user, step, bind = "",
    length = 4, range = [20000, 59999], protocols = ["tcp"],
    openRange = null }) {
	const p = { key, door, user, step, bind, length, range, protocols,
	    openRange };
	const why = checkParams(p);
	if (why !== null)
		throw new Error("invalid parameters: " + why);
	const kb = keyBytes(key);
	const s = await subtle();
	const ck = await s.importKey("raw", kb, { name: "HMAC",
	    hash: "SHA-256" }, false, ["sign"]);
	kb.fill(0);
	const base = enc.encode(VERSION + "|" + door + "|" + user + "|" +
	    stepText(step) + "|");
	const msgU = base;
	const msgB = concat(base, enc.encode(bind ? canonicalAddress(bind) :
	    ""));
	const [lo, hi] = range;
	const ports = [await draw(stream(ck, msgU), lo, hi, [])];
	const sb = stream(ck, msgB);
	while (ports.length < length)
		ports.push(await draw(sb, lo, hi, ports));
	const protos = ports.map(() => "tcp");
	if (protocols.includes("udp")) {
		const pu = await mac(ck, concat(msgU, enc.encode("|proto")));
		const pb = await mac(ck, concat(msgB, enc.encode("|proto")));
		if (pu[0] & 1)
			protos[0] = "udp";
		for (let j = 1; j < ports.length; j++)
			if (pb[j] & 1)
				protos[j] = "udp";
	}
	const openPort = openRange ?
	    await draw(sb, openRange[0], openRange[1], ports) : null;
	return { knocks: ports.map((x, i) => protos[i] + "/" + x), openPort };
}

// The time step of a door with this period (seconds) at nowMs (default:
// this device's clock): floor(unix time / period).
export function currentStep(period = 30, nowMs = Date.now()) {
	return Math.floor(Math.floor(nowMs / 1000) / period);
}

// A static sequence as knockwatch knock --sequence takes it ("7000/tcp
// 8000/udp 9000", "tcp/7000", commas): ["tcp/7000", "udp/8000", ...], or
// null when it is not up to 16 of PORT/tcp or PORT/udp.
export function parseStatic(text) {
	if (typeof text !== "string" || text.length >= 512)
		return null;
	const out = [];
	for (const tok of text.split(/[ \t,]+/)) {
		if (tok === "")
			continue;
		if (out.length >= MAX_SEQ)
			return null;
		let portText = tok, proto = "tcp";
		const slash = tok.indexOf("/");
		if (slash !== -1) {
			const a = tok.slice(0, slash), b = tok.slice(slash + 1);
			if (/^[0-9]/.test(a)) {
				portText = a;
				proto = b;
			} else {
				proto = a;
				portText = b;
			}
		}
		if (!/^[0-9]+$/.test(portText) || (proto !== "tcp" &&
		    proto !== "udp"))
			return null;
		const v = Number(portText);
		if (v < 1 || v > 65535)
			return null;
		out.push(proto + "/" + v);
	}
	return out.length ? out : null;
}
