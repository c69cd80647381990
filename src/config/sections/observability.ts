// The `logging` and `telemetry` sections (docs/configuration.md "Observability"): the stored request
// log, the metrics' optional tenant label, and OpenTelemetry traces.

import { z } from 'zod';
import { isUrl, wholeNumber } from './values.ts';

export const loggingSection = z
  .strictObject({
    // Rows of the stored request log (and its hourly rollups) older than this are deleted.
    retention_days: wholeNumber(1, 3650).default(30),
    // Off: the log line still goes to stdout; nothing is written to the store.
    store_requests: z.boolean().default(true),
    // Request-log rows waiting for the store; past this they are dropped and counted
    // (switchyard_store_dropped_total{queue="requests"}), never waited on.
    queue_size: wholeNumber(100, 1_000_000).default(10_000),
    // Label request, token and cost metrics with the tenant. Off by default: one series per tenant.
    metrics_tenant_label: z.boolean().default(false),
    // Tenants whose request and response bodies are stored in the request log (scrubbed of secrets,
    // truncated to body_max_bytes each). None by default: bodies are neither logged nor stored.
    store_bodies_for: z.array(z.string().min(1)).default(() => []),
    body_max_bytes: wholeNumber(256, 1_048_576).default(8192),
  })
  .prefault({});

export const telemetrySection = z
  .strictObject({
    // OTLP/HTTP traces endpoint base (the exporter appends /v1/traces); tracing is off when unset.
    otlp_endpoint: z
      .preprocess(
        (value) => (value === '' ? undefined : value),
        z
          .string()
          .refine((value) => isUrl(value, ['http:', 'https:']), {
            message: 'must be an http:// or https:// URL',
          })
          .optional(),
      )
      .optional(),
    service_name: z.string().min(1).default('switchyard'),
  })
  .prefault({});
