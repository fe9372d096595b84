package tagllm.data;

/** One line of monolingual text (a language or domain corpus for stage-1 tags). */
public record TextExample(String text, Origin origin) {}
