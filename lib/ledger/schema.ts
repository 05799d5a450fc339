/**
 * The ledger's tables, as migration steps of the `ledger` component
 * (lib/ledger/sql.ts `migrate`). Append a step to change them; never edit a
 * shipped one. Portable SQL: times are epoch milliseconds (BIGINT), weights
 * micro-receives (BIGINT, lib/pow/weight.ts), amounts of raw decimal TEXT.
 */
export const LEDGER_COMPONENT = 'ledger';

export const LEDGER_MIGRATIONS: readonly string[] = [
  // 1: every counted hub result, and each worker's running counts.
  `CREATE TABLE hub_results (
    at BIGINT NOT NULL,
    backend TEXT NOT NULL,
    account TEXT,
    root TEXT,
    work_type TEXT NOT NULL,
    difficulty TEXT,
    weight BIGINT NOT NULL,
    outcome TEXT NOT NULL
  );
  CREATE INDEX hub_results_at ON hub_results (at);
  CREATE INDEX hub_results_account_at ON hub_results (account, at);
  CREATE TABLE hub_workers (
    account TEXT PRIMARY KEY,
    ondemand BIGINT NOT NULL,
    precache BIGINT NOT NULL,
    invalid BIGINT NOT NULL,
    late BIGINT NOT NULL,
    duplicate BIGINT NOT NULL,
    weight BIGINT NOT NULL,
    first_seen BIGINT NOT NULL,
    last_seen BIGINT NOT NULL,
    snapshot_ondemand BIGINT,
    snapshot_precache BIGINT
  )`,
];
