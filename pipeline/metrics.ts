import { Counter, Histogram, Registry } from 'prom-client';

/**
 * Prometheus metrics of one process. Counters and durations are this process's own; gauges
 * that must agree across processes (documents by status, queue depths, review backlog) are
 * read from the database and Redis when scraped (api/metrics.ts).
 */
export interface Metrics {
  registry: Registry;
  documents: Counter<'outcome'>;
  stageSeconds: Histogram<'stage'>;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  return {
    registry,
    documents: new Counter({
      name: 'paperline_documents_processed_total',
      help: 'Documents this process decided, by outcome (posted, review, failed)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    stageSeconds: new Histogram({
      name: 'paperline_stage_duration_seconds',
      help: 'Time spent per stage: read-page (text layer or OCR), decide (classify to route)',
      labelNames: ['stage'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64],
      registers: [registry],
    }),
  };
}
