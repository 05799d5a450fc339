/**
 * The ledger's tables, as migration steps of the `ledger` component
 * (lib/ledger/sql.ts `migrate`). Append a step to change them; never edit a
 * shipped one. Portable SQL: times are epoch milliseconds (BIGINT), weights
 * micro-receives (BIGINT, lib/pow/weight.ts), amounts of raw decimal TEXT.
 */
export const LEDGER_COMPONENT = 'ledger';

export const LEDGER_MIGRATIONS: readonly string[] = [
  // 1: hub results, and each worker's running counts.
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
  // 2: payouts: each plan, its payments (one per worker), and what is carried to the next plan.
  `CREATE TABLE payout_plans (
    id TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL,
    period_from BIGINT NOT NULL,
    period_to BIGINT NOT NULL,
    network TEXT NOT NULL,
    amount TEXT NOT NULL,
    fee_rate TEXT NOT NULL,
    fee TEXT NOT NULL,
    distributable TEXT NOT NULL,
    total_weight TEXT NOT NULL,
    minimum TEXT NOT NULL
  );
  CREATE INDEX payout_plans_period ON payout_plans (period_from, period_to);
  CREATE TABLE payout_items (
    plan_id TEXT NOT NULL REFERENCES payout_plans (id),
    account TEXT NOT NULL,
    results BIGINT NOT NULL,
    weight TEXT NOT NULL,
    share TEXT NOT NULL,
    carried_in TEXT NOT NULL,
    amount TEXT NOT NULL,
    carried_out TEXT NOT NULL,
    send_id TEXT NOT NULL,
    status TEXT NOT NULL,
    block_hash TEXT,
    sent_at BIGINT,
    PRIMARY KEY (plan_id, account)
  );
  CREATE INDEX payout_items_account ON payout_items (account);
  CREATE TABLE payout_carry (
    account TEXT PRIMARY KEY,
    amount TEXT NOT NULL,
    plan_id TEXT NOT NULL
  )`,
  // 3: late, invalid and duplicate results, counted by minute rather than stored one by one
  // (hub_results keeps the accepted ones; rows of other outcomes written before this step stay).
  `CREATE TABLE hub_result_counts (
    minute BIGINT NOT NULL,
    backend TEXT NOT NULL,
    account TEXT NOT NULL,
    work_type TEXT NOT NULL,
    outcome TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (minute, backend, account, work_type, outcome)
  )`,
];
