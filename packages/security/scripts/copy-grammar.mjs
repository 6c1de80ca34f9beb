#!/usr/bin/env node
// Build step: copies the pinned tree-sitter-bash grammar (.wasm only) into dist/, where the
// built parser looks for it first. The published package then depends on web-tree-sitter alone,
// not on tree-sitter-bash (20 MB with a native install step that the policy never uses).
import { copyFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const source = createRequire(import.meta.url).resolve('tree-sitter-bash/tree-sitter-bash.wasm');
copyFileSync(source, join(process.cwd(), 'dist', 'tree-sitter-bash.wasm'));
