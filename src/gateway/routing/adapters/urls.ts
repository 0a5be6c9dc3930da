/** `base` + `path` with exactly one slash between them, whatever the route's base URL ends with. */
export function endpoint(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}
