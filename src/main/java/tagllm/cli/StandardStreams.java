package tagllm.cli;

import picocli.CommandLine.ITypeConverter;

import java.nio.file.Path;

/**
 * "-" as a file argument: standard input where a command reads a file, standard output where it writes one, as
 * Unix tools take it. Given as /dev/stdin and /dev/stdout, which the readers and AtomicFiles already handle (a
 * stream is read once and written directly); without it "-" was a file name and got "-: no such file".
 */
final class StandardStreams {
    private StandardStreams() {}

    static final class In implements ITypeConverter<Path> {
        @Override
        public Path convert(String value) { return "-".equals(value) ? Path.of("/dev/stdin") : Path.of(value); }
    }

    static final class Out implements ITypeConverter<Path> {
        @Override
        public Path convert(String value) { return "-".equals(value) ? Path.of("/dev/stdout") : Path.of(value); }
    }
}
