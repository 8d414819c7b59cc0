#!/usr/bin/env python3
"""knock.py - a knockwatch client in one file, Python 3.9+ standard library
only (hmac, hashlib, socket), for any machine with Python: Linux, macOS,
Windows, Android's Termux.

  knock.py sequence (--key HEX | --key-file F) --door D --user U
      [--step N | --time UNIX] [--period S] [--bind IP] [--length N]
      [--range LO-HI] [--protocols tcp|tcp,udp] [--open-range LO-HI]
  knock.py knock HOST [-4|-6] [-v] [--delay MS] [--bind IP | --bind-source]
      (--sequence "7000/tcp 8000/udp 9000" | (--key HEX | --key-file F)
       --door D --user U [derivation options as above])

`sequence` prints exactly what `knockwatch sequence` prints for the same
arguments; `knock` sends what `knockwatch knock` sends. The derivation is
knockwatch/2 (doc/protocol.md): knock 1 from the unbound message, the rest
and the service port from the bound one. Exit codes as knockwatch's: 64
usage, 66 unreadable key file, 68 unresolvable host, 74 send failure, 70
internal error. Never prints a key it was given.
"""

import errno
import getopt
import hashlib
import hmac
import os
import re
import select
import socket
import stat
import sys
import time

EX_USAGE = 64
EX_NOINPUT = 66
EX_NOHOST = 68
EX_SOFTWARE = 70
EX_IOERR = 74

MIN_KEY, MAX_KEY = 16, 64          # key bytes
MAX_KEYFILE = 4096                 # key file bytes
MAX_SEQ = 16                       # knocks in a sequence
MAX_BLOCKS = 4096                  # stream blocks before giving up
MAX_DELAY = 60000                  # ms between knocks
TCP_WAIT = 0.05                    # s a TCP knock waits before it is abandoned
NAME_RE = re.compile(r"[A-Za-z0-9_.-]{1,64}", re.ASCII)
HOST_RE = re.compile(r"[A-Za-z0-9_.:-]{1,255}", re.ASCII)
DIGITS_RE = re.compile(r"[0-9]+", re.ASCII)
PROG = "knock.py"

USAGE = """\
usage: knock.py sequence (--key HEX | --key-file FILE) --door D --user U
           [--step N | --time UNIX] [--period S] [--bind IP]
           [--length N] [--range LO-HI] [--protocols tcp|tcp,udp]
           [--open-range LO-HI]
       knock.py knock HOST [-4 | -6] [-v] [--delay MS]
           [--bind IP | --bind-source] [--step N | --time UNIX]
           (--sequence "7000/tcp 8000/udp" |
            (--key HEX | --key-file FILE) --door D --user U [--period S]
            [--length N] [--range LO-HI] [--protocols tcp|tcp,udp]
            [--open-range LO-HI])
"""


class Fail(Exception):
    """An error with its message (None: already said) and exit status."""

    def __init__(self, status, msg=None, usage=False):
        Exception.__init__(self, msg)
        self.status = status
        self.msg = msg
        self.usage = usage


def usage_error(msg=None):
    return Fail(EX_USAGE, msg, usage=True)


# ---- canonical address text (doc/protocol.md), as knockwatch/addr.c ----

def _parse4(s):
    """Dotted quad as glibc's inet_pton: four decimal parts 0..255 without
    leading zeros. Returns 4 bytes or None."""
    parts = s.split(".")
    if len(parts) != 4:
        return None
    out = []
    for p in parts:
        if not p or len(p) > 3 or not DIGITS_RE.fullmatch(p):
            return None
        if len(p) > 1 and p[0] == "0":
            return None
        v = int(p)
        if v > 255:
            return None
        out.append(v)
    return bytes(out)


def _parse6(s):
    """IPv6 text as glibc's inet_pton(AF_INET6): at most 4 hex digits a
    group, one "::", an optional dotted IPv4 tail. Returns 16 bytes or
    None. Done by hand so that every platform accepts the same spellings
    (and no "%scope")."""
    groups = []
    if s.startswith(":"):
        if not s.startswith("::"):
            return None
        s = s[1:]
    colon_at = None
    val = 0
    ndig = 0
    tok = 0
    i = 0
    while i < len(s):
        ch = s[i]
        i += 1
        d = "0123456789abcdef".find(ch.lower()) if len(ch) == 1 else -1
        if ch.isascii() and d >= 0:
            if ndig == 4:
                return None
            val = val << 4 | d
            ndig += 1
            continue
        if ch == ":":
            tok = i
            if ndig == 0:
                if colon_at is not None:
                    return None
                colon_at = len(groups)
                continue
            if i == len(s):
                return None
            if len(groups) >= 8:
                return None
            groups.append(val)
            val = ndig = 0
            continue
        if ch == "." and len(groups) + 2 <= 8:
            v4 = _parse4(s[tok:])
            if v4 is None:
                return None
            groups.append(v4[0] << 8 | v4[1])
            groups.append(v4[2] << 8 | v4[3])
            ndig = 0
            break
        return None
    if ndig > 0:
        if len(groups) >= 8:
            return None
        groups.append(val)
    if colon_at is not None:
        if len(groups) == 8:
            return None
        groups = (groups[:colon_at] + [0] * (8 - len(groups)) +
                  groups[colon_at:])
    if len(groups) != 8:
        return None
    return b"".join(bytes((g >> 8, g & 255)) for g in groups)


def parse_addr(text):
    """Numeric IPv4 or IPv6 text into (family, bytes), or None: what
    knockwatch's addr_parse accepts."""
    if not text or len(text) >= 46 or "\0" in text:
        return None
    if ":" not in text:
        b = _parse4(text)
        return (socket.AF_INET, b) if b else None
    b = _parse6(text)
    return (socket.AF_INET6, b) if b else None


def canon_addr(text):
    """The canonical text of a numeric address (IPv4 dotted; IPv6 RFC 5952
    in hexadecimal only, "::ffff:c000:207"), or None."""
    a = parse_addr(text)
    if a is None:
        return None
    fam, b = a
    if fam == socket.AF_INET:
        return "%d.%d.%d.%d" % tuple(b)
    w = [b[2 * i] << 8 | b[2 * i + 1] for i in range(8)]
    best, bestlen, run = 8, 0, 0
    for i in range(8):
        run = run + 1 if w[i] == 0 else 0
        if run > bestlen:
            bestlen, best = run, i + 1 - run
    if bestlen < 2:
        best = 8
    out = []
    i = 0
    while i < 8:
        if i == best:
            out.append("::")
            i += bestlen
            continue
        if i > 0 and i != best + bestlen:
            out.append(":")
        out.append("%x" % w[i])
        i += 1
    return "".join(out)


# ---- knockwatch/2 derivation ----

class _Stream:
    """The value stream of a message: block i is HMAC-SHA256(key, m|i),
    read as big-endian 16-bit values."""

    def __init__(self, key, msg):
        self.key = key
        self.msg = msg
        self.block = 0
        self.vals = []
        self.pos = 0

    def next(self):
        if self.pos >= len(self.vals):
            if self.block >= MAX_BLOCKS:
                raise Fail(EX_SOFTWARE, "cannot derive the sequence")
            d = hmac.new(self.key, self.msg + b"|%d" % self.block,
                         hashlib.sha256).digest()
            self.vals = [d[2 * i] << 8 | d[2 * i + 1] for i in range(16)]
            self.block += 1
            self.pos = 0
        v = self.vals[self.pos]
        self.pos += 1
        return v


def _draw(stream, lo, hi, exclude):
    r = hi - lo + 1
    limit = 65536 - 65536 % r
    while True:
        v = stream.next()
        if v >= limit:
            continue
        p = lo + v % r
        if p not in exclude:
            return p


def check_params(keylen, p):
    """Why the parameters are refused (seq_check's words), or None."""
    door = p["door"]
    if keylen < MIN_KEY or keylen > MAX_KEY:
        return "the key must be 16 to 64 bytes"
    name, at, host = door.partition("@")
    if not NAME_RE.fullmatch(name) or (at and not HOST_RE.fullmatch(host)):
        return ("the door name must be [A-Za-z0-9_.-]{1,64}, or NAME@HOST "
                "for a fleet door")
    if not NAME_RE.fullmatch(p["user"]):
        return "the user name must be [A-Za-z0-9_.-]{1,64}"
    lo, hi = p["range"]
    if lo == 0 or lo > hi:
        return "the range must be LO-HI with 0 < LO <= HI"
    if p["length"] < 2 or p["length"] > MAX_SEQ:
        return "the length must be 2 to 16 knocks"
    if hi - lo + 1 < p["length"]:
        return ("the length exceeds the number of ports in the range (a "
                "sequence never repeats a port)")
    if p.get("open_range"):
        olo, ohi = p["open_range"]
        if olo == 0 or olo > ohi:
            return "the open range must be LO-HI with 0 < LO <= HI"
        if ohi - olo + 1 <= p["length"] and olo >= lo and ohi <= hi:
            return ("the open range lies inside the knock range and has no "
                    "more ports than the length: the knocks could use up "
                    "every one")
    return None


def derive(key, p):
    """The knocks [(proto, port), ...] and the service port (or None) of
    parameters p: door, user, step, bind (canonical text or ""), length,
    range (lo, hi), udp (bool), open_range ((lo, hi) or None)."""
    base = ("knockwatch/2|%s|%s|%d|" % (p["door"], p["user"], p["step"])
            ).encode("ascii")
    msg_u = base
    msg_b = base + p["bind"].encode("ascii")
    lo, hi = p["range"]
    first = _draw(_Stream(key, msg_u), lo, hi, ())
    ports = [first]
    s = _Stream(key, msg_b)
    while len(ports) < p["length"]:
        ports.append(_draw(s, lo, hi, ports))
    protos = ["tcp"] * len(ports)
    if p["udp"]:
        pu = hmac.new(key, msg_u + b"|proto", hashlib.sha256).digest()
        pb = hmac.new(key, msg_b + b"|proto", hashlib.sha256).digest()
        if pu[0] & 1:
            protos[0] = "udp"
        for j in range(1, len(ports)):
            if pb[j] & 1:
                protos[j] = "udp"
    open_port = None
    if p.get("open_range"):
        open_port = _draw(s, p["open_range"][0], p["open_range"][1], ports)
    return list(zip(protos, ports)), open_port


def format_seq(knocks, open_port):
    """The line knockwatch prints: "tcp/39776 udp/42025 open=50003"."""
    words = ["%s/%d" % k for k in knocks]
    if open_port is not None:
        words.append("open=%d" % open_port)
    return " ".join(words)


# ---- the command line, as knockwatch's cli.c ----

LONGOPTS = ["config=", "help", "verbose", "key=", "key-file=", "door=",
            "user=", "step=", "time=", "bind=", "bind-source", "length=",
            "range=", "protocols=", "open-range=", "period=", "delay=",
            "sequence="]


def _number(s, lo, hi):
    """Whole-string unsigned decimal in lo..hi, or None."""
    if not DIGITS_RE.fullmatch(s):
        return None
    v = int(s)
    return v if lo <= v <= hi else None


def _range(s):
    """"LO-HI", ports 1..65535, LO <= HI, or None."""
    if len(s) >= 16 or "-" not in s:
        return None
    a, _, b = s.partition("-")
    a, b = _number(a, 1, 65535), _number(b, 1, 65535)
    if a is None or b is None or a > b:
        return None
    return (a, b)


def _before_dashdash(argv, shortopts):
    """argv up to the "--" that ends the options (not one that is an
    option's value): knockwatch's getopt_long ignores what follows it."""
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--":
            return argv[:i]
        if a.startswith("--") and "=" not in a:
            name = a[2:]
            m = [o for o in LONGOPTS if o.rstrip("=") == name] or \
                [o for o in LONGOPTS if o.startswith(name)]
            if len(m) == 1 and m[0].endswith("="):
                i += 1
        elif a.startswith("-") and not a.startswith("--") and len(a) > 1:
            for j, ch in enumerate(a[1:]):
                k = shortopts.find(ch)
                if k >= 0 and shortopts[k + 1:k + 2] == ":":
                    if j == len(a) - 2:
                        i += 1
                    break
        i += 1
    return argv


def parse_args(argv, knock):
    """Options of `sequence` (knock False) or `knock` into a dict, with the
    checks and messages of knockwatch's cli_parse. Raises Fail; returns
    None after --help."""
    o = {"length": 4, "range": (20000, 59999), "period": 30, "delay": 100,
         "udp": False, "open_range": None, "family": socket.AF_UNSPEC,
         "verbose": False, "host": None, "key": None, "keyfile": None,
         "door": None, "user": None, "step": None, "time": None,
         "bind": None, "bind_source": False, "seqtext": None,
         "derive_opts": False}
    shortopts = "46c:hv" if knock else "c:h"
    try:
        opts, args = getopt.gnu_getopt(_before_dashdash(argv, shortopts),
                                       shortopts, LONGOPTS)
    except getopt.GetoptError as e:
        raise usage_error(str(e))
    for name, val in opts:
        if name in ("-h", "--help"):
            sys.stdout.write(USAGE)
            return None
        elif name in ("-c", "--config"):
            raise usage_error("-c: knock.py reads no config; give --key-file "
                              "and the door's settings")
        elif name == "-4":
            o["family"] = socket.AF_INET
        elif name == "-6":
            o["family"] = socket.AF_INET6
        elif name in ("-v", "--verbose"):
            o["verbose"] = True
        elif name == "--key":
            o["key"] = val
        elif name == "--key-file":
            o["keyfile"] = val
        elif name == "--door":
            o["door"] = val
        elif name == "--user":
            o["user"] = val
        elif name == "--step":
            o["step"] = _number(val, 0, 2 ** 64 - 1)
            if o["step"] is None:
                raise usage_error("bad --step %s" % val)
        elif name == "--time":
            o["time"] = _number(val, 0, 2 ** 64 - 1)
            if o["time"] is None:
                raise usage_error("bad --time %s" % val)
        elif name == "--bind":
            if parse_addr(val) is None:
                raise usage_error("--bind %s: not a numeric IPv4 or IPv6 "
                                  "address" % val)
            o["bind"] = val
        elif name == "--bind-source":
            if not knock:
                raise usage_error("--bind-source: only for knock; give the "
                                  "address with --bind")
            o["bind_source"] = True
        elif name == "--length":
            v = _number(val, 2, MAX_SEQ)
            if v is None:
                raise usage_error("--length %s: a sequence has 2 to 16 "
                                  "knocks" % val)
            o["length"] = v
            o["derive_opts"] = True
        elif name == "--range":
            r = _range(val)
            if r is None:
                raise usage_error("--range %s: not LO-HI in 1-65535" % val)
            o["range"] = r
            o["derive_opts"] = True
        elif name == "--protocols":
            if val == "tcp":
                o["udp"] = False
            elif val in ("tcp,udp", "udp,tcp"):
                o["udp"] = True
            else:
                raise usage_error("--protocols %s: not tcp or tcp,udp" % val)
            o["derive_opts"] = True
        elif name == "--open-range":
            r = _range(val)
            if r is None:
                raise usage_error("--open-range %s: not LO-HI in 1-65535"
                                  % val)
            o["open_range"] = r
            o["derive_opts"] = True
        elif name == "--period":
            v = _number(val, 1, 86400)
            if v is None:
                raise usage_error("--period %s: not 1..86400" % val)
            o["period"] = v
            o["derive_opts"] = True
        elif name == "--delay":
            if not knock:
                raise usage_error("--delay: only for knock")
            v = _number(val, 0, MAX_DELAY)
            if v is None:
                raise usage_error("--delay %s: not 0..60000 ms" % val)
            o["delay"] = v
        elif name == "--sequence":
            if not knock:
                raise usage_error("--sequence: only for knock")
            o["seqtext"] = val
    for a in args:
        if not knock or o["host"] is not None:
            raise usage_error("unexpected argument %s" % a)
        o["host"] = a
    cmd = "knock" if knock else "sequence"
    if knock and o["host"] is None:
        raise usage_error("knock: no HOST given")
    if o["step"] is not None and o["time"] is not None:
        raise usage_error("%s: give --step or --time, not both" % cmd)
    if o["bind"] is not None and o["bind_source"]:
        raise usage_error("%s: give --bind or --bind-source, not both" % cmd)
    if o["seqtext"] is not None:
        if (o["key"] or o["keyfile"] or o["door"] or o["user"] or
                o["derive_opts"] or o["step"] is not None or
                o["time"] is not None or o["bind"] or o["bind_source"]):
            raise usage_error("%s: --sequence takes no key, door, user or "
                              "derivation options" % cmd)
        return o
    if (o["key"] is not None) == (o["keyfile"] is not None):
        raise usage_error("%s: give one of --key or --key-file" % cmd)
    if o["door"] is None or o["user"] is None:
        raise usage_error("%s: --door and --user are required" % cmd)
    if o["length"] > o["range"][1] - o["range"][0] + 1:
        raise usage_error("%s: --length exceeds the number of ports in "
                          "--range (a sequence never repeats a port)" % cmd)
    return o


def key_from_text(text):
    """Hex digits with " \\t\\r\\n" around them into 16..64 bytes, or None."""
    t = text.strip(" \t\r\n")
    if len(t) % 2 or not re.fullmatch(r"[0-9A-Fa-f]*", t, re.ASCII):
        return None
    if not MIN_KEY <= len(t) // 2 <= MAX_KEY:
        return None
    return bytes.fromhex(t)


def read_key_file(path):
    """The key in a file, read as the daemon reads key files: a regular
    file nobody else may read, at most 4096 bytes of hex."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) |
                     getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0))
    except OSError as e:
        raise Fail(EX_NOINPUT, "%s: %s" % (path, e.strerror))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise Fail(EX_NOINPUT, "%s: not a regular file" % path)
        # Windows has no such mode bits (os.fstat makes them up).
        if os.name == "posix" and st.st_mode & 0o077:
            raise Fail(EX_NOINPUT, "%s: group/world accessible (mode %04o); "
                       "chmod 600 it" % (path, st.st_mode & 0o7777))
        data = b""
        while len(data) <= MAX_KEYFILE:
            try:
                chunk = os.read(fd, MAX_KEYFILE + 1 - len(data))
            except OSError as e:
                raise Fail(EX_NOINPUT, "%s: %s" % (path, e.strerror))
            if not chunk:
                break
            data += chunk
    finally:
        os.close(fd)
    key = None
    if len(data) <= MAX_KEYFILE:
        try:
            key = key_from_text(data.decode("ascii"))
        except UnicodeDecodeError:
            key = None
    if key is None:
        raise Fail(EX_NOINPUT, "%s: not a key of %d to %d bytes in hex"
                   % (path, MIN_KEY, MAX_KEY))
    return key


def parse_static(text):
    """"7000/tcp 8000/udp", "tcp/7000", a bare port for TCP, commas:
    [(proto, port), ...] or None."""
    if len(text) >= 512:
        return None
    out = []
    for tok in re.split(r"[ \t,]+", text):
        if not tok:
            continue
        if len(out) >= MAX_SEQ:
            return None
        port, proto = tok, "tcp"
        if "/" in tok:
            a, _, b = tok.partition("/")
            if a[:1] in "0123456789" and a:
                port, proto = a, b
            else:
                proto, port = a, b
        v = _number(port, 1, 65535)
        if v is None or proto not in ("tcp", "udp"):
            return None
        out.append((proto, v))
    return out or None


def build(o, bind):
    """The knocks and service port for the options and the canonical bind
    text ("" when the door does not bind)."""
    if o["seqtext"] is not None:
        k = parse_static(o["seqtext"])
        if k is None:
            raise usage_error("--sequence %s: not up to 16 of PORT/tcp or "
                              "PORT/udp" % o["seqtext"])
        return k, None
    if o["key"] is not None:
        key = key_from_text(o["key"])
        if key is None:
            raise usage_error("--key: not 16 to 64 bytes in hex")
    else:
        key = read_key_file(o["keyfile"])
    if o["step"] is not None:
        step = o["step"]
    elif o["time"] is not None:
        step = o["time"] // o["period"]
    else:
        step = int(time.time()) // o["period"]
    p = {"door": o["door"], "user": o["user"], "step": step, "bind": bind,
         "length": o["length"], "range": o["range"], "udp": o["udp"],
         "open_range": o["open_range"]}
    why = check_params(len(key), p)
    if why is not None:
        raise Fail(EX_USAGE, "invalid parameters: %s" % why)
    return derive(key, p)


def cmd_sequence(argv):
    o = parse_args(argv, knock=False)
    if o is None:
        return 0
    bind = canon_addr(o["bind"]) if o["bind"] is not None else ""
    knocks, open_port = build(o, bind)
    try:
        sys.stdout.write(format_seq(knocks, open_port) + "\n")
        sys.stdout.flush()
    except OSError:
        raise Fail(EX_IOERR, "cannot print the sequence")
    return 0


# ---- sending ----

def source_address(dst):
    """The address the kernel would send from towards dst (a connected UDP
    socket sends nothing), as canonical text."""
    s = socket.socket(dst[0], socket.SOCK_DGRAM)
    try:
        s.connect(dst[1][:1] + (9,) + dst[1][2:])
        name = s.getsockname()[0]
    finally:
        s.close()
    return canon_addr(name.split("%", 1)[0])


def send_knock(dst, proto, port):
    """One knock: UDP one 1-byte datagram; TCP a non-blocking connect (the
    SYN), abandoned after TCP_WAIT at the latest. Refused counts as sent.
    Raises OSError when nothing could be sent."""
    fam, sa = dst
    addr = sa[:1] + (port,) + sa[2:]
    if proto == "udp":
        s = socket.socket(fam, socket.SOCK_DGRAM)
        try:
            s.sendto(b"\n", addr)
        finally:
            s.close()
        return
    s = socket.socket(fam, socket.SOCK_STREAM)
    try:
        s.setblocking(False)
        rc = s.connect_ex(addr)
        pending = (errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EAGAIN,
                   getattr(errno, "WSAEWOULDBLOCK", -1))
        if rc in pending:
            # Linux has sent the SYN already; other systems may send it
            # only once the call has returned: give them a moment.
            select.select([], [s], [s], TCP_WAIT)
        elif rc not in (0, errno.ECONNREFUSED,
                        getattr(errno, "WSAECONNREFUSED", -1)):
            raise OSError(rc, os.strerror(rc))
    finally:
        s.close()


def cmd_knock(argv):
    o = parse_args(argv, knock=True)
    if o is None:
        return 0
    bind = ""
    family = o["family"]
    binds = False
    if o["bind"] is not None:
        bind = canon_addr(o["bind"])
        binds = True
        bfam = parse_addr(o["bind"])[0]
        # The knocks must leave from an address of the bind's family.
        if family != socket.AF_UNSPEC and family != bfam:
            raise usage_error("knock: --bind and -4/-6 disagree")
        family = bfam
    if o["bind_source"]:
        binds = True
    host = o["host"]
    try:
        ai = socket.getaddrinfo(host, None, family, socket.SOCK_DGRAM)
    except (socket.gaierror, UnicodeError) as e:
        raise Fail(EX_NOHOST, "%s: %s" % (host, getattr(e, "strerror", e)
                                          or e))
    ai = [a for a in ai if a[0] in (socket.AF_INET, socket.AF_INET6)]
    if not ai:
        raise Fail(EX_NOHOST, "%s: no usable address" % host)
    dst = (ai[0][0], ai[0][4])
    hosttext = dst[1][0]
    knocks, open_port = build(o, bind)
    if o["seqtext"] is None and binds and bind == "":
        try:
            bind = source_address(dst)
        except OSError as e:
            bind = None
            why = e.strerror
        else:
            why = "unknown"
        if not bind:
            raise Fail(EX_NOHOST, "%s: no source address towards %s: %s"
                       % (host, hosttext, why))
        knocks, open_port = build(o, bind)
    if o["verbose"]:
        sys.stderr.write("knocking %s%s: %s\n" % (
            hosttext, " from " + bind if binds else "",
            format_seq(knocks, open_port)))
    for i, (proto, port) in enumerate(knocks):
        if i > 0 and o["delay"] > 0:
            time.sleep(o["delay"] / 1000.0)
        try:
            send_knock(dst, proto, port)
        except OSError as e:
            raise Fail(EX_IOERR, "%s/%d: %s" % (proto, port, e.strerror))
    if open_port is not None:
        sys.stdout.write("open=%d\n" % open_port)
        sys.stdout.flush()
    return 0


def main(argv):
    """Runs knock.py with argv (without the program name); returns the exit
    status. Errors go to stderr as "knock.py: message"."""
    cmds = {"sequence": cmd_sequence, "knock": cmd_knock}
    try:
        if not argv or argv[0] in ("-h", "--help", "help"):
            if not argv:
                raise usage_error(None)
            sys.stdout.write(USAGE)
            return 0
        if argv[0] not in cmds:
            raise usage_error("unknown command %s" % argv[0])
        return cmds[argv[0]](argv[1:])
    except Fail as e:
        if e.msg:
            sys.stderr.write("%s: %s\n" % (PROG, e.msg))
        if e.usage:
            sys.stderr.write(USAGE)
        return e.status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
