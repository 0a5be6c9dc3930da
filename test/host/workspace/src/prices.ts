import { roundCents } from './money';
import { auditTotal } from './internal/audit';

/** The total of an order, with tax. */
export function orderTotal(items: Array<{ price: number; qty: number }>, taxRate: number): number {
  const net = items.reduce((sum, i) => sum + i.price * i.qty, 0);
  const total = roundCents(net * (1 + taxRate));
  auditTotal(total);
  return total;
}

/** A discount never takes a price below zero. */
export function applyDiscount(price: number, discount: number): number {
  return Math.max(0, price - discount);
}
