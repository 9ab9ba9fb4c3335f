// Container HEALTHCHECK for the Switchyard image (see deploy/Dockerfile). Plain JavaScript, no
// dependencies: node 20's built-in fetch, because the slim base image has no curl or wget.
//
//   node /app/healthcheck.js [path]     (path defaults to /health/live)
//
// Exit 0 when the app in this container answers 2xx, 1 otherwise. The port is APP_PORT when set;
// otherwise every app port (REGISTRY_PORT, GATEWAY_PORT, WORKER_PORT, with the app defaults) is
// tried and any 2xx passes. That is exact enough because a container runs one app: the other
// ports refuse the connection at once. It lets one image-level HEALTHCHECK serve all three apps
// without a per-service setting, and it follows a changed *_PORT automatically.
'use strict';

const path = process.argv[2] || '/health/live';
const ports = process.env.APP_PORT
  ? [process.env.APP_PORT]
  : [process.env.REGISTRY_PORT || '3000', process.env.GATEWAY_PORT || '8080', process.env.WORKER_PORT || '3001'];

// The apps listen on HOST, 0.0.0.0 in containers, so loopback reaches them.
function probe(port) {
  return fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(3000) }).then((response) => {
    if (!response.ok) throw new Error(`port ${port}: HTTP ${response.status}`);
  });
}

Promise.any([...new Set(ports)].map(probe)).then(
  () => process.exit(0),
  (error) => {
    const reasons = error instanceof AggregateError ? error.errors : [error];
    console.error(`unhealthy: ${reasons.map((e) => (e && e.cause && e.cause.code) || (e && e.message) || e).join('; ')}`);
    process.exit(1);
  },
);
