#!/usr/bin/env bash
# Fails (exit 1, listing the files) when a C++ file under src/ tests/ bench/ fuzz/ is not
# clang-formatted with the repository's .clang-format: every tracked file and every untracked
# file git does not ignore (git ls-files -co --exclude-standard). Exit 2 when it cannot check.
# CLANG_FORMAT names the binary (default: clang-format). Fix with: clang-format -i FILE...
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

clang_format="${CLANG_FORMAT:-clang-format}"
if ! command -v "$clang_format" >/dev/null 2>&1; then
  echo "format_check: $clang_format not found (apt-get install clang-format)" >&2
  exit 2
fi
if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  echo "format_check: $(pwd) is not a git work tree" >&2
  exit 2
fi

# Pathspec '*' matches across '/', so 'src/*.cc' covers every subfolder.
mapfile -t files < <(git ls-files -co --exclude-standard -- 'src/*.h' 'src/*.cc' 'tests/*.h' \
  'tests/*.cc' 'bench/*.h' 'bench/*.cc' 'fuzz/*.h' 'fuzz/*.cc' | sort -u)

checked=0
bad=()
for f in "${files[@]}"; do
  [ -f "$f" ] || continue  # tracked but deleted in the work tree
  checked=$((checked + 1))
  "$clang_format" --dry-run -Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done

if [ "${#bad[@]}" -gt 0 ]; then
  echo "format_check: ${#bad[@]} of $checked files not clang-formatted (run clang-format -i on them):"
  printf '  %s\n' "${bad[@]}"
  exit 1
fi
echo "format_check: $checked files formatted"
