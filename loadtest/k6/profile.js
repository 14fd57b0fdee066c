// The source document's k6 load test (tests/load/k6-load-test.js), made correct and driven by a load profile file:
//   k6 run -e BASE_URL=http://127.0.0.1:8088 -e API_KEY=... -e PROFILE=seed [-e TIME_SCALE=0.1] loadtest/k6/profile.js
// - stages, the user's steps (requests and think times) and thresholds come from loadtest/profiles/<PROFILE>.json;
// - setup() creates the workflow the users execute (the seed posted to a workflow id that did not exist);
// - execute expects 202 Accepted (the seed checked 200), each request is tagged with its name;
// - TIME_SCALE compresses the stages (0.1: the 12-minute seed in 72 s); users keep their think times.
import http from 'k6/http';
import { check, sleep } from 'k6';

const profileName = __ENV.PROFILE || 'seed';
const profile = JSON.parse(open(__ENV.PROFILE_FILE || `../profiles/${profileName}.json`));
const scale = Number(__ENV.TIME_SCALE || '1');
const baseUrl = __ENV.BASE_URL || 'http://127.0.0.1:8088';
const apiKey = __ENV.API_KEY;
if (!apiKey) throw new Error('API_KEY is required (loadtest/local.sh up writes it to .local/api-key)');

function seconds(duration) {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(duration);
  if (!m) throw new Error(`bad duration ${duration}`);
  return Number(m[1]) * { ms: 0.001, s: 1, m: 60, h: 3600 }[m[2]];
}

const requests = profile.steps.filter((s) => s.request);
const thresholds = {
  http_req_duration: [`p(95)<${profile.thresholds.latencyP95Milliseconds}`],
  http_req_failed: [`rate<${profile.thresholds.errorRate}`],
};
for (const r of requests) thresholds[`http_req_duration{request:${r.request}}`] = [`p(95)<${profile.thresholds.latencyP95Milliseconds}`];

export const options = {
  scenarios: {
    users: {
      executor: 'ramping-vus',
      startVUs: 0,
      stages: profile.stages.map((s) => ({ duration: `${seconds(s.duration) * scale}s`, target: s.target })),
      gracefulRampDown: '5s',
    },
  },
  thresholds,
  summaryTrendStats: ['avg', 'p(50)', 'p(95)', 'p(99)', 'max'],
};

const headers = { 'X-Api-Key': apiKey, 'Content-Type': 'application/json' };

export function setup() {
  const res = http.post(`${baseUrl}/api/workflows`, JSON.stringify({
    name: 'k6-loadtest', active: true,
    nodes: [{ id: 'calc', type: 'set', parameters: { values: { doubled: '{{ ($input?.n ?? 1) * 2 }}' } } }],
  }), { headers });
  if (res.status !== 201) throw new Error(`creating the test's workflow answered ${res.status}: ${res.body}`);
  return { workflowId: res.json('id') };
}

export default function (data) {
  for (const step of profile.steps) {
    if (step.think) { sleep(seconds(step.think)); continue; }
    const expect = step.expect || [200];
    const params = { headers, tags: { request: step.request }, responseCallback: http.expectedStatuses(...expect) };
    const url = baseUrl + step.path.replace('{workflowId}', data.workflowId);
    const res = http.request(step.method, url, step.body === undefined ? null : JSON.stringify(step.body), params);
    check(res, { [`${step.request}: status ${expect.join(' or ')}`]: (r) => expect.includes(r.status) });
  }
}
