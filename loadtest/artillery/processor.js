// Artillery processor for the load test runner (loadtest/Workflows.LoadRunner generates the config that uses it).
//
// k6's ramping VUs in artillery: the config's arrival phases add exactly the users each rising stage needs, and every
// virtual user loops while its slot (its arrival order) is at most users(now), so a falling stage stops the newest
// users first, as k6 does. Each response is checked against the statuses the profile expects for that request, and
// every second a line of live statistics (per request: count, failures, latencies) is appended to LIVE_STATS.
'use strict';
const fs = require('fs');

let stages = null;   // [{start, end, from, to}] in seconds, from config.variables.stagesJson
let slots = null;    // arrival order -> {slot, at}
let arrivals = 0;
let startedAt = null;
const now = () => Date.now() / 1000;

const durationSeconds = (text) => {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text);
  if (!m) throw new Error(`bad duration ${text}`);
  return Number(m[1]) * { ms: 0.001, s: 1, m: 60, h: 3600 }[m[2]];
};

function compile(list) {
  let t = 0, previous = 0;
  return list.map((s) => {
    const d = durationSeconds(s.duration);
    const stage = { start: t, end: t + d, from: previous, to: s.target };
    t += d; previous = s.target;
    return stage;
  });
}

function usersAt(t) {
  for (const s of stages) if (t < s.end) return s.from + (s.to - s.from) * (t - s.start) / (s.end - s.start);
  return stages.length ? stages[stages.length - 1].to : 0;
}

function arrivalSlots() {
  const out = [];
  for (const s of stages) {
    if (s.to <= s.from) continue;
    const n = s.to - s.from, gap = (s.end - s.start) / n;
    for (let k = 1; k <= n; k++) out.push({ slot: s.from + k, at: s.start + k * gap });
  }
  return out;
}

// ---- live statistics: one JSON line per second ----
let second = null;
let buckets = {};
function bucket(name) {
  return buckets[name] || (buckets[name] = { count: 0, failed: 0, latencies: [] });
}
function flush(upTo) {
  if (second === null || !process.env.LIVE_STATS) return;
  while (second < upTo) {
    const line = { t: second, users: Math.round(usersAt(second)), requests: buckets };
    fs.appendFileSync(process.env.LIVE_STATS, JSON.stringify(line) + '\n');
    buckets = {};
    second += 1;
  }
}
setInterval(() => { if (startedAt !== null) flush(Math.floor(now() - startedAt)); }, 250).unref();
process.on('exit', () => { if (startedAt !== null) flush(Math.floor(now() - startedAt) + 1); });

// beforeScenario: the new user's slot, and the run's start derived from the first scheduled arrival.
function assignSlot(context, events, done) {
  if (!stages) { stages = compile(JSON.parse(context.vars.stagesJson)); slots = arrivalSlots(); }
  const arrival = slots[arrivals++];
  if (startedAt === null) { startedAt = now() - (arrival ? arrival.at : 0); second = 0; }
  context.vars.$slot = arrival ? arrival.slot : Infinity;
  return done();
}

// loop whileTrue: user #slot keeps going while slot <= ceil(users(now)).
function keepRunning(context, next) {
  return next(context.vars.$slot <= Math.ceil(usersAt(now() - startedAt) - 1e-9));
}

// afterResponse: a response whose status the profile does not expect is a failure (counted for ensure, too).
function checkStatus(request, response, context, events, done) {
  const name = request.name;
  const expected = JSON.parse(context.vars.expectJson)[name] || [200];
  const failed = expected.includes(response.statusCode) ? 0 : 1;
  events.emit('counter', 'app.unexpected_status', failed);
  const b = bucket(name);
  b.count += 1;
  b.failed += failed;
  const timings = response.timings && response.timings.phases;
  b.latencies.push(Math.round(((timings && timings.total) || 0) * 10) / 10);
  return done();
}

module.exports = { assignSlot, keepRunning, checkStatus };
