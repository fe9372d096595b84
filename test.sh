#!/usr/bin/env bash
# The test command of the README: the default suite (tests tagged "slow" are left out; ./test.sh -Pslow would run them).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
. .ci/java-home.sh
tagllm_find_java
exec mvn -B -ntp "$@" verify
