// Prometheus metrics: HTTP latency per route, and job counts per queue and state read from the
// queue backend at scrape time (so every process reports the shared truth).
import type { RequestHandler } from 'express';
import { Registry, Histogram, Gauge, collectDefaultMetrics } from 'prom-client';
import type { Queues } from '../job-queue';

export interface Metrics {
  registry: Registry;
  httpTimer: RequestHandler;
  jobDuration: Histogram<'queue' | 'outcome'>;
}

export function createMetrics(queues: Queues): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const http = new Histogram({
    name: 'lethe_http_request_duration_seconds',
    help: 'HTTP request latency',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const jobDuration = new Histogram({
    name: 'lethe_job_duration_seconds',
    help: 'Job processing time',
    labelNames: ['queue', 'outcome'],
    buckets: [0.05, 0.1, 0.5, 1, 5, 15, 60, 300],
    registers: [registry],
  });
  new Gauge({
    name: 'lethe_jobs',
    help: 'Jobs per queue and state',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      const counts = await queues.counts().catch(() => null);
      if (!counts) return;
      for (const [queue, states] of Object.entries(counts))
        for (const [state, n] of Object.entries(states)) this.set({ queue, state }, n);
    },
  });
  const httpTimer: RequestHandler = (req, res, next) => {
    const end = http.startTimer({ method: req.method });
    // Only a route's pattern is a label: every path no route matched (404s, refusals before
    // routing) is one value, so random paths cannot grow the label set.
    res.on('finish', () =>
      end({
        route: req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched',
        status: String(res.statusCode),
      }),
    );
    next();
  };
  return { registry, httpTimer, jobDuration };
}
