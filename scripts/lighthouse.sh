#!/usr/bin/env bash
# Lighthouse on the built site: the home page and a module page, mobile profile (the default,
# median of $LIGHTHOUSE_RUNS runs, 3 by default) and desktop, served from 127.0.0.1.  Prints the four category scores and exits non-zero when
# a target is missed: performance >= 95 (mobile), accessibility, best practices and SEO = 100.
#
#   scripts/lighthouse.sh                 # home page and modules/kyc/
#   scripts/lighthouse.sh case/ modules/mining/
#
# Needs node + npm and Debian's chromium (CHROME_PATH, default /usr/bin/chromium).  Lighthouse
# (npm package, 12.x: 13.x needs node >= 22) is installed into a temporary folder on each run,
# or into $LIGHTHOUSE_DIR if set, where it is reused.  No browser is downloaded.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

export CHROME_PATH=${CHROME_PATH:-/usr/bin/chromium}
[ -x "$CHROME_PATH" ] || { echo "lighthouse.sh: no browser at $CHROME_PATH (apt-get install chromium)" >&2; exit 2; }
command -v npm >/dev/null || { echo "lighthouse.sh: npm is needed" >&2; exit 2; }

TMP=$(mktemp -d)
SERVER_PID=
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT

LH_DIR=${LIGHTHOUSE_DIR:-$TMP/npm}
if [ ! -x "$LH_DIR/node_modules/.bin/lighthouse" ]; then
  echo "installing lighthouse@12 into $LH_DIR ..." >&2
  mkdir -p "$LH_DIR"
  PUPPETEER_SKIP_DOWNLOAD=1 npm install --prefix "$LH_DIR" --no-audit --no-fund --silent lighthouse@12 >&2
fi
LIGHTHOUSE="$LH_DIR/node_modules/.bin/lighthouse"

echo "building the site ..." >&2
NO_MKDOCS_2_WARNING=1 python -m mkdocs build --strict --quiet -f "$ROOT/mkdocs.yml" -d "$TMP/site" >&2

PORT=$(python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# A static server that compresses text as any real host does (python -m http.server does not,
# and Lighthouse would time the uncompressed bytes).
cat > "$TMP/serve.py" <<'PY'
import functools, gzip, http.server, sys

TEXT = (".html", ".css", ".js", ".json", ".svg", ".xml", ".txt", "/")


class Handler(http.server.SimpleHTTPRequestHandler):
    cache: dict = {}

    def log_message(self, *args):
        pass

    def send_head(self):
        path = self.translate_path(self.path)
        if "gzip" not in self.headers.get("Accept-Encoding", "") or not self.path.split("?")[0].endswith(TEXT):
            return super().send_head()
        import io, os
        if os.path.isdir(path):
            if not self.path.split("?")[0].endswith("/"):
                return super().send_head()
            path = os.path.join(path, "index.html")
        if not os.path.isfile(path):
            return super().send_head()
        if path not in self.cache:
            with open(path, "rb") as f:
                self.cache[path] = gzip.compress(f.read(), 6)
        body = self.cache[path]
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "max-age=3600")
        self.end_headers()
        return io.BytesIO(body)


port, root = int(sys.argv[1]), sys.argv[2]
http.server.ThreadingHTTPServer(("127.0.0.1", port), functools.partial(Handler, directory=root)).serve_forever()
PY
python "$TMP/serve.py" "$PORT" "$TMP/site" >/dev/null 2>&1 &
SERVER_PID=$!
for _ in $(seq 50); do
  python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/')" 2>/dev/null && break
  sleep 0.1
done

PAGES=("$@")
[ ${#PAGES[@]} -gt 0 ] || PAGES=("" "modules/kyc/")
FLAGS="--headless=new --no-sandbox --disable-gpu --disable-background-networking --disable-component-update --no-first-run"

RUNS=${LIGHTHOUSE_RUNS:-3}  # mobile runs per page; the median run is reported (scores vary run to run)
status=0
printf '%-22s %-8s %11s %13s %14s %5s  %s\n' page profile performance accessibility best-practices seo "(performance of each run)"
for page in "${PAGES[@]}"; do
  for profile in mobile desktop; do
    reports=()
    runs=$RUNS
    [ "$profile" = desktop ] && runs=1
    for run in $(seq "$runs"); do
      out="$TMP/report-$(echo "${page:-home}" | tr '/' '_')-$profile-$run.json"
      preset=()
      [ "$profile" = desktop ] && preset=(--preset=desktop)
      if "$LIGHTHOUSE" "http://127.0.0.1:$PORT/$page" --quiet "${preset[@]}" \
          --chrome-flags="$FLAGS" --output=json --output-path="$out" \
          --only-categories=performance,accessibility,best-practices,seo >/dev/null 2>"$TMP/lh.log"; then
        reports+=("$out")
      else
        cat "$TMP/lh.log" >&2
        status=1
      fi
    done
    [ ${#reports[@]} -gt 0 ] || continue
    python - "${page:-/}" "$profile" "${reports[@]}" <<'PY' || status=1
import json, sys
page, profile, *paths = sys.argv[1:]
reports = [json.load(open(p)) for p in paths]
def scores(report):
    cats = report["categories"]
    return {k: round(100 * (cats[k]["score"] or 0)) for k in ("performance", "accessibility", "best-practices", "seo")}
ranked = sorted(reports, key=lambda r: scores(r)["performance"])
report = ranked[(len(ranked) - 1) // 2]  # the median run (the lower one of an even count)
score = scores(report)
each = "" if len(reports) == 1 else "(" + ", ".join(str(scores(r)["performance"]) for r in reports) + ")"
print(f"{page:<22} {profile:<8} {score['performance']:>11} {score['accessibility']:>13} {score['best-practices']:>14} {score['seo']:>5}  {each}")
targets = {"performance": 95 if profile == "mobile" else 0, "accessibility": 100, "best-practices": 100, "seo": 100}
missed = [k for k, t in targets.items() if score[k] < t]
cats = report["categories"]
for k in missed:
    for ref in cats[k]["auditRefs"]:
        audit = report["audits"][ref["id"]]
        if ref.get("weight", 0) > 0 and audit.get("score") is not None and audit["score"] < 1:
            print(f"    {k}: {audit['id']}: {audit['title']} ({audit.get('displayValue', '')})", file=sys.stderr)
sys.exit(1 if missed else 0)
PY
  done
done
exit $status
