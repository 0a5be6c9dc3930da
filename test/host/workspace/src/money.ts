export function roundCents(x: number): number {
  return Math.round(x * 100) / 100;
}
