// Where a service process's thread time goes (bench/profile-worker.sh, bench/profile-api.sh), from a speedscope export of dotnet-trace's sampled thread time
// (dotnet-trace convert --format Speedscope). Each sample ends in CPU_TIME (running managed code) or
// UNMANAGED_CODE_TIME (in native code: a wait, a socket, SQLite); the frame above it is where that time was spent.
// Samples of threads blocked in a wait, or with no managed frame at all, are left out: they are idle, not slow.
// Usage: node bench/top-frames.mjs worker.speedscope.json [rows=25]
import { readFileSync } from 'node:fs';

const [file, rows = '25'] = process.argv.slice(2);
const top = Number(rows);
const data = JSON.parse(readFileSync(file, 'utf8'));
const names = data.shared.frames.map((f) => f.name);
const idle = /WaitHandle|Monitor\.Wait|LowLevelLifoSemaphore|LowLevelSpinWaiter|Thread\.Sleep|SemaphoreSlim\.Wait|ManualResetEventSlim\.Wait|WaitOne|Interop\+Sys\.(Read|WaitForSocketEvents)|ProcessEvents|RunWorkLoop|Monitor\.Enter|ThreadPool.*WaitForWork|Condition|Interop\+Sys\.Poll|Socket.*Receive|epoll/;

const where = { managed: new Map(), native: new Map() };
const inclusive = new Map();
let managed = 0, native = 0;
for (const profile of data.profiles) {
  if (profile.type !== 'evented') continue;
  const stack = [];
  let last = profile.startValue;
  const credit = (until) => {
    const dt = until - last;
    last = until;
    if (dt <= 0 || stack.length < 2) return;
    const leaf = names[stack[stack.length - 1]];
    const kind = leaf === 'CPU_TIME' ? 'managed' : leaf === 'UNMANAGED_CODE_TIME' ? 'native' : null;
    if (kind === null) return;
    const parent = stack[stack.length - 2];
    if (kind === 'native' && (idle.test(names[parent]) || !stack.some((f) => /Workflows\.|StackExchange|Sqlite|SQLite|Jint/.test(names[f])))) return;
    if (kind === 'managed') managed += dt; else native += dt;
    where[kind].set(parent, (where[kind].get(parent) ?? 0) + dt);
    for (const f of new Set(stack)) inclusive.set(f, (inclusive.get(f) ?? 0) + dt);
  };
  for (const e of profile.events) {
    credit(e.at);
    if (e.type === 'O') stack.push(e.frame); else stack.pop();
  }
}
const busy = managed + native;
const pct = (v) => `${(100 * v / busy).toFixed(1).padStart(5)} %`;
const short = (id) => names[id].replace(/\(.*$/, '').slice(0, 140);
console.log(`\nbusy thread time: ${(busy / 1000).toFixed(1)} s (managed code ${pct(managed).trim()}, native calls made by the service ${pct(native).trim()})`);
for (const [kind, title] of [['managed', 'running managed code, by method'], ['native', 'in native code (SQLite, sockets), by the method that called it']]) {
  console.log(`\n${title}:`);
  for (const [id, v] of [...where[kind]].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(v)}  ${short(id)}`);
}
console.log('\ninclusive, the service\'s own methods:');
for (const [id, v] of [...inclusive].filter(([id]) => /^Workflows\.(Core|Service)!/.test(names[id]) && !/MoveNext|AsyncStateMachineBox|<>c/.test(names[id]))
  .sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(v)}  ${short(id)}`);
