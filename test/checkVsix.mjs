// Lists a packaged .vsix and checks what it must and must not hold: the size target, no
// sources, no source maps, no node_modules, and every runtime asset the extension loads.
//   node test/checkVsix.mjs [context-gateway.vsix]
import { readFileSync, statSync } from 'node:fs';

const file = process.argv[2] ?? 'context-gateway.vsix';
const MAX_BYTES = 5 * 1024 * 1024;

/** Entry names and sizes from a zip's central directory. */
function zipEntries(buffer) {
  const eocd = buffer.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error(`${file} is not a zip file.`);
  const count = buffer.readUInt16LE(eocd + 10);
  let at = buffer.readUInt32LE(eocd + 16);
  const entries = [];
  for (let i = 0; i < count; i++) {
    const size = buffer.readUInt32LE(at + 24);
    const nameLength = buffer.readUInt16LE(at + 28);
    const extra = buffer.readUInt16LE(at + 30);
    const comment = buffer.readUInt16LE(at + 32);
    entries.push({ name: buffer.toString('utf8', at + 46, at + 46 + nameLength), size });
    at += 46 + nameLength + extra + comment;
  }
  return entries;
}

const entries = zipEntries(readFileSync(file));
const bytes = statSync(file).size;
for (const e of entries) console.log(`${String(e.size).padStart(9)}  ${e.name}`);
console.log(`${file}: ${(bytes / 1024 / 1024).toFixed(2)} MB packed, ${entries.length} files, ` +
  `${(entries.reduce((n, e) => n + e.size, 0) / 1024 / 1024).toFixed(2)} MB unpacked`);

const problems = [];
if (bytes > MAX_BYTES) problems.push(`the package is ${bytes} bytes, over the ${MAX_BYTES} target`);
for (const e of entries) {
  if (/^extension\/src\//.test(e.name)) problems.push(`source file ${e.name}`);
  if (/\.map$/.test(e.name)) problems.push(`source map ${e.name}`);
  if (/node_modules\//.test(e.name)) problems.push(`dependency file ${e.name}`);
  if (/^extension\/(out|test)\//.test(e.name)) problems.push(`test file ${e.name}`);
}
const required = [
  'extension/package.json', 'extension/dist/extension.js', 'extension/dist/web-tree-sitter.wasm',
  'extension/dist/tree-sitter-typescript.wasm', 'extension/dist/tree-sitter-tsx.wasm',
  'extension/dist/tree-sitter-javascript.wasm', 'extension/dist/tree-sitter-python.wasm',
  'extension/dist/ranks/o200k_base.js', 'extension/dist/ranks/cl100k_base.js', 'extension/LICENSE.txt', 'extension/readme.md',
];
for (const name of required) if (!entries.some((e) => e.name === name)) problems.push(`missing ${name}`);
if (problems.length) {
  console.error(`${file} is not right:\n- ${problems.join('\n- ')}`);
  process.exit(1);
}
