# Sourced by ./tagllm and .ci/run: finds a Java 25+ JDK (JAVA_HOME first, then /usr/lib/jvm) and exports JAVA_HOME.
tagllm_java_major() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | head -n1; }
tagllm_find_java() {
  local cand major
  for cand in "${JAVA_HOME:-}" /usr/lib/jvm/*; do
    [ -n "$cand" ] && [ -x "$cand/bin/javac" ] || continue
    major=$(tagllm_java_major "$cand")
    if [ -n "$major" ] && [ "${major%%.*}" -ge 25 ] 2>/dev/null; then export JAVA_HOME="$cand"; return 0; fi
  done
  echo "error: tagllm needs a Java 25 (or newer) JDK. Set JAVA_HOME to one, or install one under /usr/lib/jvm (e.g. Temurin 25)." >&2
  return 1
}
