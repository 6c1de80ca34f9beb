#!/bin/sh
# One job of `pnpm start`: describes the package in the current directory (run in each one).
name=$(node -p "require('./package.json').name")
files=$(find src -name '*.ts' | wc -l)
lines=$(find src -name '*.ts' -exec cat {} + | wc -l)
echo "$name: $files TypeScript files, $lines lines in src"
