#!/usr/bin/env bash
# Vendor onnxruntime-web for the gan-serve explorer: the pinned npm release, the wasm-only files, checksummed.
#
# The explorer page loads onnxruntime-web from this package, never from a CDN, so gan-serve works offline.
# A wasm-only page needs three files of the npm package's dist/: ort.wasm.min.js (the API, a classic
# script defining `ort`), and the module and binary it loads, ort-wasm-simd-threaded.mjs and
# ort-wasm-simd-threaded.wasm (the same pair runs one thread or, when the page is cross-origin
# isolated, several). The npm package ships no LICENSE file (package.json says "MIT"), so LICENSE is
# microsoft/onnxruntime's MIT text, written below. VERSION records the version, the tarball's
# integrity and each file's sha256; tests/test_serve_vendor.py checks them.
#
#   runtime/serve/vendor/refresh.sh            # re-vendor the pinned version (needs npm, tar, sha256sum)
#   ORT_WEB_VERSION=1.31.0 runtime/serve/vendor/refresh.sh   # move the pin (then update the test's pin)
#   grep -E '^[0-9a-f]{64}  ' runtime/serve/vendor/onnxruntime-web/VERSION | (cd runtime/serve/vendor/onnxruntime-web && sha256sum -c)
set -euo pipefail

PACKAGE=onnxruntime-web
VERSION="${ORT_WEB_VERSION:-1.30.0}"
FILES=(ort.wasm.min.js ort-wasm-simd-threaded.mjs ort-wasm-simd-threaded.wasm)

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dest="$here/$PACKAGE"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

for tool in npm node tar sha256sum openssl; do
    command -v "$tool" >/dev/null || { echo "Error: refresh.sh needs $tool" >&2; exit 2; }
done

echo "downloading $PACKAGE@$VERSION from the npm registry"
(cd "$work" && npm pack "$PACKAGE@$VERSION" --json --silent >pack.json)
tarball="$work/$PACKAGE-$VERSION.tgz"
integrity="$(node -e 'console.log(require(process.argv[1])[0].integrity)' "$work/pack.json")"
actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | openssl base64 -A)"
if [[ "$actual" != "$integrity" ]]; then
    echo "Error: $tarball has integrity $actual, the registry says $integrity" >&2
    exit 2
fi
tar -xzf "$tarball" -C "$work"
node -e '
const p = require(process.argv[1]);
if (p.name !== process.argv[2] || p.version !== process.argv[3]) throw new Error(`got ${p.name}@${p.version}`);
if (p.license !== "MIT") throw new Error(`license is ${p.license}, not MIT: check before vendoring`);
' "$work/package/package.json" "$PACKAGE" "$VERSION"
for file in "${FILES[@]}"; do
    [[ -f "$work/package/dist/$file" ]] || { echo "Error: $PACKAGE@$VERSION has no dist/$file" >&2; exit 2; }
done

staged="$work/staged"
mkdir -p "$staged"
for file in "${FILES[@]}"; do
    cp "$work/package/dist/$file" "$staged/$file"
done
cat >"$staged/LICENSE" <<'LICENSE'
MIT License

Copyright (c) Microsoft Corporation

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
LICENSE
{
    echo "# onnxruntime-web vendored for the gan-serve explorer (written by ../refresh.sh; tests/test_serve_vendor.py checks it)"
    echo "package: $PACKAGE"
    echo "version: $VERSION"
    echo "tarball: https://registry.npmjs.org/$PACKAGE/-/$PACKAGE-$VERSION.tgz"
    echo "integrity: $integrity"
    echo "license: MIT (package.json; the npm package ships no LICENSE file, so LICENSE is microsoft/onnxruntime's MIT text)"
    echo "# sha256 of each file here (sha256sum -c format):"
    (cd "$staged" && sha256sum "${FILES[@]}" LICENSE)
} >"$staged/VERSION"

mkdir -p "$dest"
find "$dest" -mindepth 1 -maxdepth 1 -type f -delete  # files an older version needed go too
cp "$staged"/* "$dest/"
echo "vendored $PACKAGE@$VERSION into $dest:"
(cd "$dest" && ls -l "${FILES[@]}" LICENSE VERSION)
