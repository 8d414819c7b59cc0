#!/usr/bin/env python3
"""agree.py - checks that the two clients derive what knockwatch derives.

  agree.py vectors py|js       every row of the test vectors of
                               doc/protocol.md (and of the shared spec,
                               ../shared/spec/sequence-v2.md, if present)
  agree.py random py|js N      N random parameter sets (valid and invalid,
                               with --bind in many spellings) against
                               `build/knockwatch sequence`
  agree.py canon               canonical address text: knock.py and
                               knockwatch.js agree, on tricky spellings

py runs clients/knock.py (the vectors as a separate process, the random
sets through its main() in this process: the same code path, without a
Python start-up per set); js runs clients/web/knockwatch.js under node
(tests/clients/agree.mjs). Prints each disagreement and a summary line;
exits 1 on any disagreement. The random seed is printed; KW_SEED repeats
a run. Needs KW_TOP and KW_BUILD (tests/run.sh sets them).
"""

import contextlib
import importlib.util
import io
import json
import os
import random
import re
import subprocess
import sys

TOP = os.environ.get("KW_TOP") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("KW_BUILD") or os.path.join(TOP, "build")
KW = os.path.join(BUILD, "knockwatch")
KNOCKPY = os.path.join(TOP, "clients", "knock.py")
AGREE_MJS = os.path.join(TOP, "tests", "clients", "agree.mjs")
NODE = os.environ.get("KW_NODE", "node")


def load_knockpy():
    spec = importlib.util.spec_from_file_location("knockpy", KNOCKPY)
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    return m


def run_kw(argv):
    p = subprocess.run([KW, "sequence"] + argv, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout.decode()


def run_py_inproc(mod, argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = mod.main(["sequence"] + argv)
    return rc, out.getvalue()


def run_js(sets, mode=None):
    inp = "".join(json.dumps(s) + "\n" for s in sets)
    argv = [NODE, AGREE_MJS] + ([mode] if mode else [])
    p = subprocess.run(argv, input=inp.encode(), stdout=subprocess.PIPE,
                       check=True)
    return p.stdout.decode().split("\n")[:-1]


# ---- the vectors ----

def vector_files():
    """doc/protocol.md, and the shared spec (sequence-v2.md) when a copy
    of shared/ lies beside the tree (as on the team's machines and CI)."""
    files = [os.path.join(TOP, "doc", "protocol.md")]
    for up in ("..", os.path.join("..", "..")):
        f = os.path.join(TOP, up, "shared", "spec", "sequence-v2.md")
        if os.path.isfile(f):
            files.append(os.path.normpath(f))
            break
    return files


def vectors(path):
    """Rows of the test-vector table of the file as parameter dicts with
    the expected line."""
    text = open(path).read()
    key = re.search(r"`([0-9a-f]{64})`", text.split("## Test vectors")[1])
    rows = []
    for line in text.split("## Test vectors")[1].splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 9 or not cells[2].isdigit():
            continue
        door, user, step, bind, length, rng, protos, orng, knocks = cells
        exp = knocks.replace(", open port ", " open=")
        rows.append({"key": key.group(1), "door": door, "user": user,
                     "step": int(step), "bind": bind, "length": int(length),
                     "range": rng, "protocols": protos, "open": orng or None,
                     "expect": exp})
    return rows


def to_argv(p):
    a = ["--key", p["key"], "--door", p["door"], "--user", p["user"]]
    if p.get("time") is not None:
        a += ["--time", str(p["time"]), "--period", str(p["period"])]
    else:
        a += ["--step", str(p["step"])]
    if p.get("bind"):
        a += ["--bind", p["bind"]]
    a += ["--length", str(p["length"]), "--range", p["range"],
          "--protocols", p["protocols"]]
    if p.get("open"):
        a += ["--open-range", p["open"]]
    return a


def rng_pair(text):
    lo, hi = text.split("-")
    return [int(lo), int(hi)]


def to_js(p):
    step = p["step"] if p.get("time") is None else p["time"] // p["period"]
    return {"key": p["key"], "door": p["door"], "user": p["user"],
            "step": str(step), "bind": p.get("bind") or "",
            "length": p["length"], "range": rng_pair(p["range"]),
            "protocols": p["protocols"].split(","),
            "openRange": rng_pair(p["open"]) if p.get("open") else None}


def cmd_vectors(which):
    ok = True
    for f in vector_files():
        ok = cmd_vectors_of(which, f) and ok
    return ok


def cmd_vectors_of(which, path):
    bad = 0
    rows = vectors(path)
    if which == "js":
        got = run_js([to_js(r) for r in rows])
    for i, r in enumerate(rows):
        if which == "py":
            p = subprocess.run([sys.executable, KNOCKPY, "sequence"] +
                               to_argv(r), stdout=subprocess.PIPE)
            g = p.stdout.decode().strip()
        else:
            g = got[i]
        if g != r["expect"]:
            bad += 1
            print("vector %s/%s/%s bind %r: got %r, want %r"
                  % (r["door"], r["user"], r["step"], r["bind"], g,
                     r["expect"]))
    print("%s: %d vectors of %s, %d disagree" % (which, len(rows), path,
                                                  bad))
    return len(rows) >= 8 and bad == 0


# ---- random parameter sets ----

NAMECH = ("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")


def rname(r, n=None):
    n = n or r.choice([1, 2, 5, 8, 16, 64])
    return "".join(r.choice(NAMECH) for _ in range(n))


def raddr6(r):
    """Eight groups with zero runs in random places; sometimes mapped or
    compatible IPv4."""
    kind = r.random()
    if kind < 0.15:
        return [0, 0, 0, 0, 0, 0xffff, r.randrange(65536), r.randrange(65536)]
    if kind < 0.25:
        return [0] * 6 + [r.randrange(1, 65536), r.randrange(65536)]
    g = [r.choice([0, 0, r.randrange(16), r.randrange(65536)])
         for _ in range(8)]
    if r.random() < 0.3:
        s = r.randrange(8)
        for i in range(s, min(8, s + r.randrange(1, 8))):
            g[i] = 0
    return g


def spell6(r, g):
    """A valid, random spelling of the groups g: any run of zero groups
    (or none) as "::", leading zeros, upper case, a dotted tail."""
    dotted = r.random() < 0.25
    parts = ["%x" % x for x in g]
    parts = [("0" * r.randrange(0, 5 - len(p)) + p) if r.random() < 0.3
             else p for p in parts]
    parts = [p.upper() if r.random() < 0.3 else p for p in parts]
    tail = None
    if dotted:
        tail = "%d.%d.%d.%d" % (g[6] >> 8, g[6] & 255, g[7] >> 8, g[7] & 255)
        parts = parts[:6]
    zruns = []
    i = 0
    while i < len(parts):
        if g[i] == 0:
            j = i
            while j < len(parts) and g[j] == 0:
                j += 1
            for a in range(i, j):
                for b in range(a + 1, j + 1):
                    zruns.append((a, b))
            i = j
        else:
            i += 1
    n = len(parts)
    if zruns and r.random() < 0.85:
        a, b = r.choice(zruns)
        left, right = ":".join(parts[:a]), ":".join(parts[b:])
        if tail:
            right = right + ":" + tail if right else tail
        # "::" may not stand for nothing: a run of zero groups only.
        return left + "::" + right
    s = ":".join(parts)
    if tail:
        s = s + ":" + tail if n else tail
    return s


BAD_SPELLINGS = [
    "", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1.2.3.256", "1.2.3.-1", " 1.2.3.4",
    "1.2.3.4 ", "::1%lo", "fe80::1%eth0", ":::", "1::2::3", "1:2:3:4:5:6:7:8:9",
    "12345::1", "::ffff:01.2.3.4", "::ffff:1.2.3", "1:2:3:4:5:6:7:1.2.3.4",
    "1:2:3:4:5:6::1.2.3.4", "1:", ":1", "1::2:", "g::1", "::1.2.3.4:5",
    "1.2.3.4::", "[::1]", "::1/128", "0x1.2.3.4", "1:2:3:4:5:6:7:8::",
    "::1:2:3:4:5:6:7:8", "localhost", "1.2.3.4\n", "::ffff:1.2.3.4.5",
    "0000:0000:0000:0000:0000:0000:0000:00000", "::ffff:256.1.1.1",
    "1.2.3.04", "::1.2.3.04", "::a.1.2.3", "1.2.3.4:80",
]
GOOD_SPELLINGS = [
    "::", "::1", "0::0", "0:0:0:0:0:0:0:0", "::FFFF:192.0.2.7",
    "0:0:0:0:0:ffff:c000:0207", "::ffff:c000:207", "::1.2.3.4", "::102:304",
    "2001:0db8::0007", "2001:DB8:0:0:1:0:0:1", "2001:db8::1:0:0:1",
    "1:0:0:2:0:0:0:3", "1:0:0:0:2:0:0:3", "1::2:0:0:0:3", "0:1:0:0:0:0:0:0",
    "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "1:2:3:4:5:6:1.2.3.4",
    "::ffff:0.0.0.0", "::0.0.0.1", "fe80::1", "0.0.0.0", "255.255.255.255",
    "10.0.0.1", "1::", "::ffff:ffff:ffff", "0000:0000:0000:0000:0000:ffff:"
    "192.168.100.200", "abcd:EF01:2345:6789:abcd:ef01:2345:6789",
    "1:0:0:0:0:0:0:0", "0:0:0:0:0:0:0:1", "1:0::", "::0:1",
]


def rbind(r):
    x = r.random()
    if x < 0.35:
        return ""
    if x < 0.45:
        return r.choice(GOOD_SPELLINGS)
    if x < 0.5:
        return r.choice(BAD_SPELLINGS[1:])
    if x < 0.65:
        return "%d.%d.%d.%d" % tuple(r.randrange(256) for _ in range(4))
    return spell6(r, raddr6(r))


def rrange(r, length):
    kind = r.random()
    if kind < 0.3:
        return "20000-59999"
    if kind < 0.5:
        lo = r.randrange(1, 65536 - length)
        return "%d-%d" % (lo, lo + length - 1 + r.randrange(3))
    lo = r.randrange(1, 65536)
    hi = r.randrange(lo, 65536)
    return "%d-%d" % (lo, min(65535, hi))


def rparams(r):
    keylen = r.choice([16, 20, 32, 32, 48, 64] + ([15, 65] if r.random() <
                                                   0.05 else []))
    key = "".join("%02x" % r.randrange(256) for _ in range(keylen))
    if r.random() < 0.2:
        key = key.upper()
    if r.random() < 0.1:
        key = " \t" + key + "\n"
    door = rname(r)
    if r.random() < 0.2:
        door += "@" + "".join(r.choice(NAMECH + ":") for _ in range(
            r.choice([1, 7, 40, 255])))
    if r.random() < 0.03:
        door = rname(r, 65)
    user = rname(r) if r.random() > 0.03 else "al/ice"
    length = r.randrange(2, 17) if r.random() > 0.03 else 17
    p = {"key": key, "door": door, "user": user, "length": length,
         "range": rrange(r, length), "bind": rbind(r),
         "protocols": r.choice(["tcp", "tcp", "tcp,udp", "udp,tcp"])}
    if r.random() < 0.15:
        p["time"] = r.randrange(0, 2 ** 64)
        p["period"] = r.choice([1, 30, 60, 86400])
        p["step"] = None
    else:
        p["step"] = r.choice([r.randrange(0, 2 ** 64), r.randrange(0, 2 ** 32),
                              58720000 + r.randrange(1000)])
    if r.random() < 0.3:
        lo, hi = rng_pair(p["range"])
        if r.random() < 0.3:
            # Inside the knock range, sometimes too small (refused).
            olo = r.randrange(lo, hi + 1)
            ohi = min(hi, olo + r.randrange(0, length + 3))
        else:
            olo = r.randrange(1, 65536)
            ohi = min(65535, olo + r.randrange(0, 200))
        p["open"] = "%d-%d" % (olo, ohi)
    return p


def cmd_random(which, n):
    seed = int(os.environ.get("KW_SEED") or random.SystemRandom().randrange(
        2 ** 32))
    r = random.Random(seed)
    sets = [rparams(r) for _ in range(n)]
    mod = load_knockpy() if which == "py" else None
    js = run_js([to_js(p) for p in sets]) if which == "js" else None
    bad = ok_sets = err_sets = 0
    for i, p in enumerate(sets):
        argv = to_argv(p)
        krc, kout = run_kw(argv)
        if krc == 0:
            ok_sets += 1
        else:
            err_sets += 1
        if which == "py":
            prc, pout = run_py_inproc(mod, argv)
            same = (prc, pout) == (krc, kout)
            got = "exit %d %r" % (prc, pout)
        else:
            g = js[i]
            same = (g == kout.rstrip("\n")) if krc == 0 else \
                g.startswith("error")
            got = repr(g)
        if not same:
            bad += 1
            print("disagree: knockwatch sequence %s\n  knockwatch: exit %d "
                  "%r\n  %s: %s" % (" ".join(argv), krc, kout, which, got))
    print("%s: seed %d, %d sets (%d valid, %d refused), %d disagree"
          % (which, seed, n, ok_sets, err_sets, bad))
    return bad == 0 and ok_sets > n // 2 and err_sets > 0


def cmd_canon():
    """knock.py's and knockwatch.js's canonical text agree on every
    spelling (good, bad, random), and match the documented forms."""
    mod = load_knockpy()
    r = random.Random(int(os.environ.get("KW_SEED") or 14))
    texts = GOOD_SPELLINGS + BAD_SPELLINGS + [spell6(r, raddr6(r))
                                              for _ in range(300)]
    js = run_js(texts, "canon")
    bad = 0
    for t, j in zip(texts, js):
        p = mod.canon_addr(t) or "error"
        if p != j:
            bad += 1
            print("canon %r: knock.py %r, knockwatch.js %r" % (t, p, j))
    # knockwatch itself accepts exactly these spellings, and derives from
    # the same canonical text (the sequence depends on it).
    key = "00" * 32
    for t in texts:
        argv = ["--key", key, "--door", "d", "--user", "u", "--step", "1",
                "--bind", t]
        k, p = run_kw(argv), run_py_inproc(mod, argv)
        if k != p:
            bad += 1
            print("--bind %r: knockwatch exit %d %r, knock.py exit %d %r"
                  % ((t,) + k + p))
    for t, want in (("::FFFF:192.0.2.7", "::ffff:c000:207"),
                    ("::1.2.3.4", "::102:304"),
                    ("2001:0db8::0007", "2001:db8::7"),
                    ("1:0:0:2:0:0:0:3", "1:0:0:2::3"),
                    ("1:0:0:0:2:0:0:3", "1::2:0:0:3"),
                    ("1:2:0:4:5:6:7:8", "1:2:0:4:5:6:7:8")):
        if mod.canon_addr(t) != want:
            bad += 1
            print("canon %r: %r, want %r" % (t, mod.canon_addr(t), want))
    print("canon: %d spellings, %d disagree" % (len(texts), bad))
    return bad == 0


def main(argv):
    if argv[:1] == ["vectors"] and len(argv) == 2:
        return 0 if cmd_vectors(argv[1]) else 1
    if argv[:1] == ["random"] and len(argv) == 3:
        return 0 if cmd_random(argv[1], int(argv[2])) else 1
    if argv == ["canon"]:
        return 0 if cmd_canon() else 1
    sys.stderr.write(__doc__)
    return 64


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
