// INTERNAL-AUDIT-MARKER: this folder is listed in .contextignore and must never be sent.
export function auditTotal(total: number): void {
  if (total < 0) throw new Error('negative total');
}
