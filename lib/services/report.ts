import type { ServiceReport, ServicesReport } from '../status/types.js';
import type { AuthCounts } from './auth.js';
import type { ServiceDirectory } from './directory.js';

/** /api/status lists at most this many services (most requests first); `count` says how many there are. */
export const MAX_REPORTED_SERVICES = 200;

export interface ServicesReportSources {
  readonly directory: ServiceDirectory;
  readonly auth: 'off' | 'optional' | 'required';
  readonly authCounts: AuthCounts;
  readonly serviceApi: boolean;
  /** Most services listed (default MAX_REPORTED_SERVICES); /metrics reads them all. */
  readonly limit?: number;
}

/** What the views show of the services: names, limits and counts; a key or its hash never. */
export function servicesReport(sources: ServicesReportSources): ServicesReport {
  const { directory } = sources;
  const services: ServiceReport[] = [];
  for (const entry of directory.entries()) {
    const { record, counts } = entry;
    services.push({
      name: record.name,
      display: record.display ?? null,
      website: record.website ?? null,
      public: record.public,
      origin: entry.origin,
      limits: {
        rate: record.rate,
        burst: record.burst,
        maxDelaySeconds: record.maxDelay / 1000,
        dailyQuota: record.dailyQuota ?? null,
        actions: record.actions === undefined ? null : [...record.actions],
      },
      requests: counts.requests,
      refused: { ...counts.refused },
      works: Object.fromEntries(counts.works),
      precacheHits: counts.precacheHits,
      usedToday: directory.usedToday(entry),
      credits: directory.creditsLeft(entry) ?? null,
    });
  }
  services.sort((a, b) => b.requests - a.requests || a.name.localeCompare(b.name));
  return {
    auth: sources.auth,
    serviceApi: sources.serviceApi,
    refused: { missingKey: sources.authCounts.keyless, unknownKey: directory.unknownKeys },
    count: services.length,
    services: services.slice(0, sources.limit ?? MAX_REPORTED_SERVICES),
  };
}
