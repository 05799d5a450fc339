import { readFileSync } from 'node:fs';

/** What Boost read from one body (oracle.cpp): "error" when read_json threw. */
export type NodeRecord =
  | 'error'
  | { readonly action: string | null; readonly force: boolean | null; readonly type: string | null; readonly duplicate: boolean };

export interface RecordedBody {
  readonly why?: string;
  readonly body: string;
  readonly node: NodeRecord;
}

export function loadRecords(name: 'corpus.jsonl' | 'fuzz.jsonl'): RecordedBody[] {
  return readFileSync(new URL(`./${name}`, import.meta.url), 'utf8')
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as RecordedBody);
}
