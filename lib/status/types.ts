/**
 * Shapes shared by the parts that report state (precache, generator) and the
 * parts that show it (/api/status, the dashboard, /readyz).
 */
export interface PrecacheStatus {
  readonly enabled: boolean;
  /** State of the node websocket client. */
  readonly websocket: 'off' | 'connecting' | 'connected' | 'disconnected';
  /** How many accounts are tracked (configured + learned); never the list itself. */
  readonly trackedAccounts: number;
  readonly queueDepth: number;
  readonly jobs: { readonly queued: number; readonly done: number; readonly failed: number; readonly dropped: number };
  /** work_generate requests answered from precached work, and all work_generate requests seen. */
  readonly hits: number;
  readonly requests: number;
}
