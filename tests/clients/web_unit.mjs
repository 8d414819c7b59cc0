// web_unit.mjs — the browser-facing helpers of clients/web/knockwatch.js:
// the blocked-port lists, static sequences, the step from a clock and the
// refusals of sequence(). Prints each failure; exits 1 on any.
import { blockedPorts, parseStatic, currentStep, sequence,
    CHROMIUM_BLOCKED_PORTS, FIREFOX_BLOCKED_PORTS } from
    "../../clients/web/knockwatch.js";

let bad = 0;
function eq(desc, got, want) {
	if (JSON.stringify(got) !== JSON.stringify(want)) {
		bad++;
		console.log(`${desc}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
	}
}
async function rejects(desc, p) {
	try {
		await sequence(p);
		bad++;
		console.log(`${desc}: not refused`);
	} catch (e) {
		if (!/^invalid parameters: /.test(e.message)) {
			bad++;
			console.log(`${desc}: ${e.message}`);
		}
	}
}
const key = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

eq("the default range is free of blocked ports", blockedPorts(20000, 59999), []);
eq("ssh's port is blocked by both", blockedPorts(22, 22),
    [{ port: 22, browsers: ["Chromium", "Firefox"] }]);
eq("4190 and 6679 only by Firefox", blockedPorts(4190, 6679).map((b) =>
    b.port + ":" + b.browsers.join("+")), ["4190:Firefox", "5060:Chromium+Firefox",
    "5061:Chromium+Firefox", "6000:Chromium+Firefox", "6566:Chromium+Firefox",
    "6665:Chromium+Firefox", "6666:Chromium+Firefox", "6667:Chromium+Firefox",
    "6668:Chromium+Firefox", "6669:Chromium+Firefox", "6679:Firefox"]);
eq("10080 is the highest", blockedPorts(10080, 65535).map((b) => b.port), [10080]);
eq("Firefox's list is Chromium's and 0, 4190, 6679",
    FIREFOX_BLOCKED_PORTS.length, CHROMIUM_BLOCKED_PORTS.length + 3);
eq("static sequence", parseStatic("7000/tcp 8000/udp, tcp/9000 10000"),
    ["tcp/7000", "udp/8000", "tcp/9000", "tcp/10000"]);
eq("static: icmp", parseStatic("7000/icmp"), null);
eq("static: port 0", parseStatic("0"), null);
eq("static: port 65536", parseStatic("65536/tcp"), null);
eq("static: 17 knocks", parseStatic(Array(17).fill("7000").join(" ")), null);
eq("static: empty", parseStatic(" , "), null);
eq("step of 1761600000 s at 30 s", currentStep(30, 1761600000999), 58720000);
eq("step at 60 s", currentStep(60, 1761600000000), 29360000);
await rejects("UDP alone", { key, door: "d", user: "u", step: 1, protocols: ["udp"] });
await rejects("a short key", { key: "00", door: "d", user: "u", step: 1 });
await rejects("a name for bind", { key, door: "d", user: "u", step: 1, bind: "localhost" });
await rejects("a step past 2^64-1", { key, door: "d", user: "u", step: "18446744073709551616" });
await rejects("an unsafe number step", { key, door: "d", user: "u", step: 2 ** 60 });
await rejects("a fleet door without host", { key, door: "ssh@", user: "u", step: 1 });
eq("a BigInt step is the same as its text",
    (await sequence({ key, door: "d", user: "u", step: 18446744073709551615n })).knocks,
    (await sequence({ key, door: "d", user: "u", step: "18446744073709551615" })).knocks);
eq("the key as bytes", (await sequence({ key: Uint8Array.from(Array(32).keys()),
    door: "ssh", user: "alice", step: 58720000 })).knocks,
    ["tcp/39776", "tcp/42025", "tcp/31751", "tcp/22516"]);
console.log(`web_unit: ${bad} failed`);
process.exit(bad ? 1 : 0);
