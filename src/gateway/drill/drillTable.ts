// The drill's result as a table (route x check), then each failure with the provider's words and
// what to change, then the calls, cost and time it took. Plain text for the terminal, Markdown
// for the editor's view.
import type { DrillCell, DrillReport } from './drill';

const MARK = { pass: 'pass', fail: 'FAIL', skipped: 'skip' } as const;

function rowsOf(report: DrillReport): string[] {
  const rows = [...report.routes];
  if (report.cells.some((c) => c.route === 'chain')) rows.push('chain');
  return rows;
}

const cellOf = (report: DrillReport, route: string, check: string): DrillCell | undefined => report.cells.find((c) => c.route === route && c.check === check);

function footer(report: DrillReport): string {
  const counts = { pass: 0, fail: 0, skipped: 0 };
  for (const c of report.cells) counts[c.status]++;
  const cancelled = report.cancelled ? ' Cancelled: the checks not reached are not shown.' : '';
  return `${counts.pass} passed, ${counts.fail} failed, ${counts.skipped} skipped; ${report.calls} calls, $${report.costUsd.toFixed(4)}, ${(report.ms / 1000).toFixed(1)} s.${cancelled}`;
}

function notes(report: DrillReport): string[] {
  return report.cells
    .filter((c) => c.status !== 'pass')
    .map((c) => `${c.route} / ${c.check}: ${c.status === 'fail' ? 'failed' : 'skipped'}: ${c.detail}${c.fix ? `. Fix: ${c.fix}.` : ''}`);
}

export function drillText(report: DrillReport): string {
  const rows = rowsOf(report);
  const header = ['route', ...report.checks];
  const body = rows.map((route) => [route, ...report.checks.map((check) => {
    const cell = cellOf(report, route, check);
    return cell ? MARK[cell.status] : '-';
  })]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), ...body.map(line), '', ...notes(report), ...(notes(report).length ? [''] : []), footer(report), ''].join('\n');
}

const md = (text: string) => text.replace(/[|\\`*_<>[\]]/g, (c) => `\\${c}`).replace(/\r?\n/g, ' ');

export function drillMarkdown(report: DrillReport): string {
  const rows = rowsOf(report);
  // Words, not emoji: they read in every font and to screen readers.
  const icon = { pass: 'pass', fail: '**FAIL**', skipped: '*skipped*' } as const;
  const lines = [
    '# Failover drill',
    '',
    `| route | ${report.checks.map(md).join(' | ')} |`,
    `|---|${report.checks.map(() => '---').join('|')}|`,
    ...rows.map((route) => `| ${md(route)} | ${report.checks.map((check) => {
      const cell = cellOf(report, route, check);
      return cell ? icon[cell.status] : '';
    }).join(' | ')} |`),
    '',
    footer(report),
    '',
  ];
  const problems = report.cells.filter((c) => c.status !== 'pass');
  if (problems.length) {
    lines.push('## What to change', '');
    for (const c of problems) lines.push(`- **${md(c.route)} / ${md(c.check)}** ${c.status === 'fail' ? 'failed' : 'skipped'}: ${md(c.detail)}${c.fix ? `. *Fix:* ${md(c.fix)}.` : ''}`);
    lines.push('');
  }
  lines.push('## Every check', '');
  for (const c of report.cells) lines.push(`- ${md(c.route)} / ${md(c.check)}: ${c.status}: ${md(c.detail)}`);
  return `${lines.join('\n')}\n`;
}
