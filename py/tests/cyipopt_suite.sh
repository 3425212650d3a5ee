#!/usr/bin/env bash
# Run cyipopt's own test suite against ipax: `import cyipopt` resolves to the shim package in
# cyipopt_shim/ (ipax's objects under cyipopt's names).
#
# Usage: py/tests/cyipopt_suite.sh [PYTHON]   (a Python with ipax, numpy, scipy and pytest)
#
# The suite is taken from cyipopt's source distribution on PyPI, pinned by URL and SHA-256 (as
# listed by https://pypi.org/pypi/cyipopt/1.7.0/json); only cyipopt/tests/ is unpacked, nothing
# of cyipopt is built or imported. The pytest plugin cyipopt_shim/ipax_cyipopt_plugin.py marks
# the failures explained in cyipopt_shim/README.md as strict xfails and fails the run unless at
# least 55 tests pass.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
py="${1:-python3}"
version=1.7.0
url="https://files.pythonhosted.org/packages/4c/7b/263178f3eb8a893e2697d7e20658c8a475520382a4288d107d49265e1ee2/cyipopt-${version}.tar.gz"
sha256=527eab917415af8808df05ab1899df12bde6e95e5c5d32644b59a69e18561471
cache="${TMPDIR:-/tmp}/ipax-cyipopt-suite-${version}"

if [ ! -d "$cache/tests" ]; then
    "$py" - "$url" "$sha256" "$cache" <<'PY'
import hashlib, io, sys, tarfile, urllib.request
url, sha, dest = sys.argv[1:]
data = urllib.request.urlopen(url, timeout=120).read()
got = hashlib.sha256(data).hexdigest()
if got != sha:
    sys.exit(f"cyipopt sdist: SHA-256 {got} differs from the pinned {sha}")
prefix = url.rsplit("/", 1)[1][: -len(".tar.gz")] + "/cyipopt/tests/"
with tarfile.open(fileobj=io.BytesIO(data)) as tar:
    members = []
    for m in tar.getmembers():
        if m.name.startswith(prefix) and (m.isfile() or m.isdir()):
            m.name = "tests/" + m.name[len(prefix):]
            members.append(m)
    tar.extractall(dest, members=members)
PY
fi
cd "$cache"
PYTHONPATH="$here/cyipopt_shim${PYTHONPATH:+:$PYTHONPATH}" \
    "$py" -m pytest tests -q -p no:cacheprovider -p ipax_cyipopt_plugin -W ignore::RuntimeWarning
