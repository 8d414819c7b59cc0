// agree.mjs — derives, with clients/web/knockwatch.js, the sequence of each
// parameter set on stdin (one JSON object a line, the arguments of
// sequence() with the step as decimal text) and prints one line per set:
// what `knockwatch sequence` prints, or "error: WHY" when sequence()
// rejects. With the argument "canon", each line is instead an address
// text (JSON) and the output its canonical text or "error". Used by
// tests/clients/agree.py.
import { readFileSync } from "node:fs";
import { sequence, canonicalAddress } from "../../clients/web/knockwatch.js";

const lines = readFileSync(0, "utf8").split("\n").filter((l) => l !== "");
const out = [];
for (const l of lines) {
	const p = JSON.parse(l);
	if (process.argv[2] === "canon") {
		out.push(canonicalAddress(p) ?? "error");
		continue;
	}
	try {
		const r = await sequence(p);
		out.push(r.knocks.join(" ") +
		    (r.openPort !== null ? " open=" + r.openPort : ""));
	} catch (e) {
		out.push("error: " + e.message);
	}
}
process.stdout.write(out.map((l) => l + "\n").join(""));
