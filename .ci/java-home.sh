# Sourced by ./tagllm, ./test.sh and .ci/run: finds a Java 25+ JDK (JAVA_HOME first, then /usr/lib/jvm) and exports JAVA_HOME; tagllm_need_mvn checks for Maven.
tagllm_java_major() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | head -n1; }
tagllm_find_java() {
  local cand major
  for cand in "${JAVA_HOME:-}" /usr/lib/jvm/*; do
    [ -n "$cand" ] && [ -x "$cand/bin/javac" ] || continue
    major=$(tagllm_java_major "$cand")
    if [ -n "$major" ] && [ "${major%%.*}" -ge 25 ] 2>/dev/null; then
      export JAVA_HOME="$cand"
      # Maven's own Guice/Guava use sun.misc.Unsafe, which Java 24+ warns about at every run. The option would stop
      # Java 17 from starting at all, so it is set here (Java 25 found) rather than in .mvn/jvm.config: a plain mvn
      # on an older Java then reaches the enforcer's "needs Java 25" message.
      export MAVEN_OPTS="--sun-misc-unsafe-memory-access=allow ${MAVEN_OPTS:-}"
      return 0
    fi
  done
  echo "error: tagllm needs a Java 25 (or newer) JDK. Set JAVA_HOME to one, or install one under /usr/lib/jvm (e.g. Temurin 25)." >&2
  return 1
}
# Maven builds tagllm (./tagllm when the jar is missing or older than the sources, ./test.sh always): without it on the
# PATH the scripts stopped with bash's "mvn: command not found" (exit 127).
tagllm_need_mvn() {
  command -v mvn >/dev/null 2>&1 && return 0
  echo "error: $1 needs Maven (mvn), which is not on the PATH; install it (e.g. apt-get install maven, brew install maven) or add it to the PATH." >&2
  return 1
}
