#!/usr/bin/env bash
# The Go tests of `make test`: every package, with the controller's envtest
# suite (internal/controller, the longest: about 9 minutes on 2 cores, most
# of `make test` alone) run as two processes of one compiled test binary,
# each with half of its spec files and a control plane of its own, beside
# the other packages. The halves are split by the time their files took
# (a Ginkgo JSON report, docs/development.md): the randomized churn
# simulation alone is about 3 minutes.
#
# Extra arguments go to every `go test` and test binary (-run excepted).
set -euo pipefail
cd "$(dirname "$0")/.."

# The first half's spec files; the second half runs every other one and the
# suite's plain Go tests.
first='/(churn|restart|upgrade|analysis)_test\.go$'

work=$(mktemp -d -t restapi-go-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
go test -c -o "$work/controller.test" ./internal/controller/

half() {
  local name=$1
  shift
  local start rc=0
  start=$(date +%s)
  (cd internal/controller && "$work/controller.test" -test.timeout 20m "$@") >"$work/$name.log" 2>&1 || rc=$?
  echo "$rc $(( $(date +%s) - start ))" >"$work/$name.rc"
}
half first -test.run '^TestControllers$' -ginkgo.focus-file "$first" &
half second -ginkgo.skip-file "$first" &

rc=0
go test $(go list ./... | grep -v '/internal/controller$') -timeout 20m "$@" || rc=$?
wait

for name in first second; do
  read -r hrc secs <"$work/$name.rc"
  if [ "$hrc" -ne 0 ]; then
    cat "$work/$name.log"
    echo "FAIL	internal/controller ($name half of the spec files)	${secs}s"
    rc=1
  else
    tail -n 3 "$work/$name.log" | grep -a 'Ran [0-9]* of' || true
    echo "ok  	internal/controller ($name half of the spec files)	${secs}s"
  fi
done
exit "$rc"
