// The Prometheus metrics of one running mock (prom-client), on a registry of its own: two mocks in one process
// never add to each other's counters, and prom-client's global default registry is not used.
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { isServiceName } from '../core/types.ts';

/** what a gateway request ended in, as the log and the metrics tell it */
export interface GatewayOutcome {
  /** the `service` parameter, as sent (null when there was none) */
  service: string | null;
  isSuccess: boolean;
  resultCode: string | null;
  /** the gateway error (is_success=F) or the business error */
  error: string | null;
}

export type DeliveryOutcome = 'delivered' | 'retry' | 'failed';

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** a service label for any request: its name when it is one of the four, else `other` (or `none`), so that a client cannot grow the label set */
export function serviceLabel(service: string | null): string {
  if (service === null || service === '') return 'none';
  return isServiceName(service) ? service : 'other';
}

export class Metrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'mapi_mock_gateway_requests_total',
    help: 'Gateway requests answered, by service, is_success and result (the result_code of an is_success=T answer, the error of an is_success=F one)',
    labelNames: ['service', 'is_success', 'result'] as const,
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: 'mapi_mock_gateway_request_duration_seconds',
    help: 'Time from a gateway request arriving to its answer being written (a rule delay included), by service',
    labelNames: ['service'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly ruleHits = new Counter({
    name: 'mapi_mock_rule_hits_total',
    help: 'Requests answered by a rule, by rule id',
    labelNames: ['rule'] as const,
    registers: [this.registry],
  });
  private readonly databaseErrors = new Counter({
    name: 'mapi_mock_database_errors_total',
    help: 'Database queries that failed',
    registers: [this.registry],
  });
  private readonly deliveries = new Counter({
    name: 'mapi_mock_notification_deliveries_total',
    help: 'Notification delivery attempts, by outcome: delivered, retry (will be tried again) or failed (given up)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  /** `processMetrics`: also Node's own (CPU, memory, event loop), as a server wants; a library's mock leaves them out */
  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
    // every outcome shows from the first scrape, at 0, so that a rate() has a start
    for (const outcome of ['delivered', 'retry', 'failed'] as const) this.deliveries.inc({ outcome }, 0);
    this.databaseErrors.inc(0);
  }

  gatewayRequest(outcome: GatewayOutcome, seconds: number): void {
    const service = serviceLabel(outcome.service);
    const result = (outcome.isSuccess ? outcome.resultCode : outcome.error) ?? 'none';
    this.requests.inc({ service, is_success: outcome.isSuccess ? 'T' : 'F', result });
    this.latency.observe({ service }, seconds);
  }

  ruleHit(ruleId: string): void {
    this.ruleHits.inc({ rule: ruleId });
  }

  databaseError(): void {
    this.databaseErrors.inc();
  }

  notificationDelivery(outcome: DeliveryOutcome): void {
    this.deliveries.inc({ outcome });
  }

  /** the Prometheus text exposition */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
