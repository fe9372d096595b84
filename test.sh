#!/usr/bin/env bash
# The test command of the README: the default suite (tests tagged "slow" are left out; ./test.sh -Pslow would run them).
# run as "sh test.sh" (dash, busybox sh): restart in bash instead of failing on "set: Illegal option -o pipefail"
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
. .ci/java-home.sh
tagllm_find_java
tagllm_need_mvn "./test.sh"
# The core is installed (its tests run first, as with verify), then tagllm-spark, which builds on the installed core
# artifact (docs/architecture.md, "tagllm-spark"), is verified.
mvn -B -ntp "$@" install
exec mvn -B -ntp -f tagllm-spark/pom.xml "$@" verify
