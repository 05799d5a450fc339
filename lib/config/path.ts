// Key paths are what every config error names, so they are built in one place
// and read the same in messages, provenance and tests: `backends.peers.urls[0]`.

export function child(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

export function item(path: string, index: number): string {
  return `${path}[${index}]`;
}

/** `backends.dpow.api_key` -> `api_key`; `backends.peers.urls[0]` -> `urls`. */
export function lastKey(path: string): string {
  const withoutIndex = path.replace(/(\[\d+\])+$/, '');
  return withoutIndex.slice(withoutIndex.lastIndexOf('.') + 1);
}
