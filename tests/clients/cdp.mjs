// cdp.mjs — drives a headless Chromium through its DevTools protocol over
// --remote-debugging-pipe (file descriptors 3 and 4, NUL-separated JSON;
// no port, no WebSocket, so it runs on Node 18 too) to use
// clients/web/knock.html as a person would: it opens the page from a file,
// types into the form, ticks and picks what the steps say, presses Knock,
// waits for the page's result, saves a screenshot of the finished page and
// prints the result as JSON: the result's state and text, the knocks
// listed, and the form's values (the key only as its length). Exits 0 when the result has the state asked
// for (--expect, default "done"), 1 otherwise, 2 on a driver failure.
//
//   node cdp.mjs (--page FILE | --url URL) --shot PNG --steps JSON [--expect STATE]
//       [--timeout S] [--linger MS] -- CHROMIUM-COMMAND...
//
// --linger keeps the browser (and the page's tab) open MS milliseconds
// after the result, as a person who reads it does: the connections of
// aborted fetches keep retransmitting meanwhile.
//
// The steps are a JSON array: ["type", ID, TEXT] (focus, select all,
// insert TEXT as typed text), ["click", ID], ["select", ID, VALUE]. The
// Chromium command (for instance "ip netns exec NS chromium --headless
// ...") gets --remote-debugging-pipe and the page's URL appended.
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const args = process.argv.slice(2);
const sep = args.indexOf("--");
if (sep === -1)
	usage();
const opt = {};
for (let i = 0; i < sep; i += 2)
	opt[args[i].replace(/^--/, "")] = args[i + 1];
const command = args.slice(sep + 1);
if (!(opt.page || opt.url) || !opt.shot || !opt.steps || command.length === 0)
	usage();
const steps = JSON.parse(opt.steps);
const expect = opt.expect ?? "done";
const deadline = Date.now() + 1000 * Number(opt.timeout ?? 60);
const linger = Math.min(60000, Math.max(0, Number(opt.linger ?? 0) || 0));

function usage() {
	console.error("usage: node cdp.mjs (--page FILE | --url URL) --shot PNG --steps JSON " +
	    "[--expect STATE] [--timeout S] [--linger MS] -- CHROMIUM-COMMAND...");
	process.exit(2);
}

const url = opt.url ?? pathToFileURL(opt.page).href;
const child = spawn(command[0], [...command.slice(1),
    "--remote-debugging-pipe", "about:blank"],
    { stdio: ["ignore", "ignore", "pipe", "pipe", "pipe"] });
let stderr = "";
child.stderr.on("data", (d) => { stderr = (stderr + d).slice(-4000); });
const toBrowser = child.stdio[3], fromBrowser = child.stdio[4];

let nextId = 1, buf = "";
const pending = new Map();
const waiters = [];
fromBrowser.on("data", (d) => {
	buf += d.toString("utf8");
	let z;
	while ((z = buf.indexOf("\0")) !== -1) {
		const msg = JSON.parse(buf.slice(0, z));
		buf = buf.slice(z + 1);
		if (msg.id !== undefined && pending.has(msg.id)) {
			const { resolve, reject } = pending.get(msg.id);
			pending.delete(msg.id);
			if (msg.error)
				reject(new Error(JSON.stringify(msg.error)));
			else
				resolve(msg.result);
		} else if (msg.method) {
			for (const w of waiters.slice())
				if (w.method === msg.method &&
				    (!w.session || w.session === msg.sessionId)) {
					waiters.splice(waiters.indexOf(w), 1);
					w.resolve(msg.params);
				}
		}
	}
});
child.on("exit", (code, sig) => {
	for (const { reject } of pending.values())
		reject(new Error(`chromium exited (${code ?? sig}): ${stderr}`));
	pending.clear();
});

function send(method, params = {}, sessionId) {
	const id = nextId++;
	const m = { id, method, params };
	if (sessionId)
		m.sessionId = sessionId;
	return new Promise((resolve, reject) => {
		pending.set(id, { resolve, reject });
		toBrowser.write(JSON.stringify(m) + "\0");
	});
}
function event(method, session) {
	return new Promise((resolve) => waiters.push({ method, session, resolve }));
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function main() {
	const { targetInfos } = await send("Target.getTargets");
	const page = targetInfos.find((t) => t.type === "page");
	if (!page)
		throw new Error("no page target");
	const { sessionId: s } = await send("Target.attachToTarget",
	    { targetId: page.targetId, flatten: true });
	await send("Page.enable", {}, s);
	await send("Runtime.enable", {}, s);
	await send("Emulation.setDeviceMetricsOverride", { width: 820,
	    height: 1500, deviceScaleFactor: 1, mobile: false }, s);
	const loaded = event("Page.loadEventFired", s);
	await send("Page.navigate", { url }, s);
	await loaded;
	const ev = async (expression) => {
		const r = await send("Runtime.evaluate", { expression,
		    awaitPromise: true, returnByValue: true }, s);
		if (r.exceptionDetails)
			throw new Error(expression + ": " +
			    JSON.stringify(r.exceptionDetails));
		return r.result.value;
	};
	// The page's module has run (it imports knockwatch.js first).
	while (await ev("document.body.dataset.ready") !== "1") {
		if (Date.now() > deadline)
			throw new Error("the page never became ready");
		await sleep(50);
	}
	for (const [what, id, value] of steps) {
		const el = `document.getElementById(${JSON.stringify(id)})`;
		if (what === "type") {
			await ev(`${el}.focus(); ${el}.select(); true`);
			await send("Input.dispatchKeyEvent", { type: "keyDown",
			    key: "Delete", code: "Delete",
			    windowsVirtualKeyCode: 46 }, s);
			await send("Input.dispatchKeyEvent", { type: "keyUp",
			    key: "Delete", code: "Delete",
			    windowsVirtualKeyCode: 46 }, s);
			if (value !== "")
				await send("Input.insertText", { text: value }, s);
			const got = await ev(`${el}.value`);
			if (got !== value)
				throw new Error(`typing into #${id}: got "${got}"`);
		} else if (what === "click") {
			await ev(`${el}.click(); true`);
		} else if (what === "select") {
			await ev(`${el}.value = ${JSON.stringify(value)}; ` +
			    `${el}.dispatchEvent(new Event("change")); true`);
		} else
			throw new Error("unknown step " + what);
	}
	await ev(`document.getElementById("knock").click(); true`);
	let state;
	for (;;) {
		state = await ev(`document.getElementById("result").dataset.state`);
		if (state !== "running" && state !== "idle")
			break;
		if (Date.now() > deadline)
			break;
		await sleep(100);
	}
	const out = await ev(`({ state: document.getElementById("result").dataset.state,
	    text: document.getElementById("result").textContent,
	    knocks: [...document.querySelectorAll("#knocks li")].map((li) =>
		li.textContent + " " + li.className),
	    noCrypto: document.getElementById("no-crypto")?.hidden === false,
	    form: Object.fromEntries([...document.querySelectorAll(
		"input[id], select[id]")].map((e) => [e.id,
		e.type === "checkbox" || e.type === "radio" ? e.checked :
		e.id === "key" ? (e.value ? e.value.length + " hex digits" : "") :
		e.value])) })`);
	const shot = await send("Page.captureScreenshot", { format: "png",
	    captureBeyondViewport: true }, s);
	writeFileSync(opt.shot, Buffer.from(shot.data, "base64"));
	console.log(JSON.stringify(out));
	await sleep(linger);
	return out.state === expect ? 0 : 1;
}

let rc = 2;
const guard = setTimeout(() => {
	console.error("cdp.mjs: no result before the deadline");
	child.kill("SIGKILL");
	process.exit(2);
}, deadline - Date.now() + 15000 + linger);
try {
	rc = await main();
} catch (e) {
	console.error("cdp.mjs: " + e.message);
}
try {
	await Promise.race([send("Browser.close"), sleep(5000)]);
} catch {
	// it may be gone already
}
const exited = new Promise((r) => child.once("exit", r));
if (child.exitCode === null && child.signalCode === null)
	await Promise.race([exited, sleep(5000)]);
if (child.exitCode === null && child.signalCode === null)
	child.kill("SIGKILL");
clearTimeout(guard);
process.exit(rc);
